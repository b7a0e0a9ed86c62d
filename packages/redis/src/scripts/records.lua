--[[
Shared record writes, prepended to the record scripts (record-*.lua) and to
the queue scripts that write records with their own change (enqueue, receive,
ack), so a record costs no call of its own. Defines functions only.

Record hash fields: j job, q queue, s state, a attempt, p progress, r result,
e error (JSON text), ea enqueued, sa started, fa finished, ra run-at (epoch
ms), x "1" once a cancel was asked while it ran, b the job's batch id, pj a
flow child's parent job id and g the job's args (text the core wrote; written by
the insert only, when given). Every change is published on
the events channel as { id, job, queue, state, attempt } from the same script.
A record key lies outside the queue's hash tag: the queue scripts write records
only on a single Redis node (the backend does not offer it on a Cluster).

Finished records (succeeded, failed, dead, cancelled) are indexed per state in a
sorted set `<prefix>:record-index:<state>` (job id scored by its finished ms), kept
by the writes that change state, so listing a state reads no other record. Each
finished write trims from its index what finished more than its own ttl before
it (expired by then). `record_indexed` (defined in front of this file) is false on
a Cluster, where the index lies in another slot than the record: no index there.
]]

local record_finished = { succeeded = true, failed = true, dead = true, cancelled = true }

local function record_index_key(key, id, state)
  return string.sub(key, 1, #key - #id - 1) .. '-index:' .. state
end

-- Moves `id` between the state indexes as its record goes from `old` (false when new) to `new`.
local function record_reindex(key, id, old, new, finished, ttl)
  if not record_indexed or old == new and not record_finished[new] then return end
  if old and record_finished[old] and old ~= new then redis.call('ZREM', record_index_key(key, id, old), id) end
  if record_finished[new] then
    local index = record_index_key(key, id, new)
    -- Finished ms as written (13 digits): within the 14 a Lua number keeps when it becomes text again.
    local at = tonumber(finished)
    if not at then
      local time = redis.call('TIME')
      at = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
    end
    redis.call('ZADD', index, at, id)
    redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. (at - tonumber(ttl)))
  end
end

local function record_publish(channel, id, key, state, attempt)
  local job, queue = unpack(redis.call('HMGET', key, 'j', 'q'))
  redis.call('PUBLISH', channel, cjson.encode({ id = id, job = job, queue = queue, state = state, attempt = tonumber(attempt) }))
end

-- Creates a waiting record unless one exists (batch, parent and args: "" when none). Returns 1 when created.
local function record_insert(key, job, queue, enqueued, run_at, ttl, channel, id, batch, parent, args)
  if redis.call('EXISTS', key) == 1 then return 0 end
  redis.call('HSET', key, 'j', job, 'q', queue, 'ea', enqueued, 's', 'waiting', 'a', '0')
  if run_at ~= '' then redis.call('HSET', key, 'ra', run_at) end
  if batch ~= '' then redis.call('HSET', key, 'b', batch) end
  if parent ~= '' then redis.call('HSET', key, 'pj', parent) end
  if args ~= '' then redis.call('HSET', key, 'g', args) end
  redis.call('PEXPIRE', key, ttl)
  record_publish(channel, id, key, 'waiting', 0)
  return 1
end

-- True when a live record names another queue or job than a write does: not that write's record (a crafted push envelope).
local function record_foreign(key, job, queue)
  local fields = redis.call('HMGET', key, 'j', 'q')
  return fields[1] ~= false and (fields[1] ~= job or fields[2] ~= queue)
end

-- Moves a record to running (created when missing and `job` is given), unless cancelled or its cancel was asked.
-- Returns 1 when running, 0 when cancelled, -1 when missing and not created, 2 when the record is another job's (left alone; the job runs).
local function record_start(key, job, queue, enqueued, attempt, started, ttl, channel, id)
  if job ~= '' and record_foreign(key, job, queue) then return 2 end
  local state = redis.call('HGET', key, 's')
  if state == 'cancelled' or redis.call('HGET', key, 'x') == '1' then return 0 end
  if not state then
    if job == '' then return -1 end
    redis.call('HSET', key, 'j', job, 'q', queue, 'ea', enqueued)
  end
  redis.call('HSET', key, 's', 'running', 'a', attempt, 'sa', started)
  redis.call('HDEL', key, 'fa', 'ra')
  record_reindex(key, id, state, 'running', '', ttl)
  redis.call('PEXPIRE', key, ttl)
  record_publish(channel, id, key, 'running', attempt)
  return 1
end

-- Ends an attempt (created when missing); a cancelled record, or another job's, stays as it is. Returns 1 when written.
local function record_settle(key, job, queue, enqueued, state, attempt, result, error, finished, run_at, ttl, channel, id)
  if record_foreign(key, job, queue) then return 0 end
  local current = redis.call('HGET', key, 's')
  if current == 'cancelled' then return 0 end
  if not current then redis.call('HSET', key, 'j', job, 'q', queue, 'ea', enqueued) end
  redis.call('HSET', key, 's', state, 'a', attempt)
  local optional = { { 'r', result }, { 'e', error }, { 'fa', finished }, { 'ra', run_at } }
  for _, pair in ipairs(optional) do
    if pair[2] == '' then redis.call('HDEL', key, pair[1]) else redis.call('HSET', key, pair[1], pair[2]) end
  end
  redis.call('PEXPIRE', key, ttl)
  record_reindex(key, id, current, state, finished, ttl)
  record_publish(channel, id, key, state, attempt)
  return 1
end

--[[
Shared record writes, prepended to the record scripts (record-*.lua) and to
the queue scripts that write records with their own change (enqueue, receive,
ack), so a record costs no call of its own. Defines functions only.

Record hash fields: j job, q queue, s state, a attempt, p progress, r result,
e error (JSON text), ea enqueued, sa started, fa finished, ra run-at (epoch
ms), x "1" once a cancel was asked while it ran, b the job's batch id, pj a
flow child's parent job id and g the job's args (text the core wrote; written by
the insert only, when given), u "1" while an unfinished record has an expiry
(see below). Every change is published on the events channel as
{ id, job, queue, state, attempt } from the same script.
A record key lies outside the queue's hash tag: the queue scripts write records
only on a single Redis node (the backend does not offer it on a Cluster).

Expiry: a write's ttl of RECORD_KEPT_UNTIL_LATER_WRITE_MS or more (@hopper/core:
an unfinished record where messages stay until acked) keeps the record until a
later write, so it gets no expiry at all; any other ttl is a PEXPIRE. A record
has an expiry when its state is finished or `u` says so (an unfinished write
with a finite ttl: SQS and Pub/Sub stores), so a kept write calls PERSIST only
then, and a chain of kept writes (enqueue, claim, retry) costs no expiry command.

Each write reads the fields it needs in one HMGET, writes in one HSET (and one
HDEL when a field must go): a start costs 2 commands, a settle 3 (its PEXPIRE),
an insert 2 (EXISTS, HSET; an enqueue of several new records asks one EXISTS for all of them, record_all_absent).

Claims that ride in the message (one node only). The enqueue's insert writes `m`,
the key of the job's message hash, and marks that message `rm` ("1", or "2" once
the record may hold a run-at or an error: a delayed enqueue, or any later write). A claim of such a message writes the record nothing:
it writes `rs` (started ms) into the message hash it already writes, and reads the
cancel mark `x` from it (a cancel of a waiting job marks the message, since 2026-12-03;
the claim read the record's state too until the release after 2026-12-05, for the releases
before that, whose cancel wrote the record only). While `rs` is there, the record is running (attempt: the
message's n - h, started: rs), whatever state the record key says: `get`
(record-get.lua), progress, hung and cancel read it so (`record_riding_claim`). Any
other write to the record (start, settle: a retry, a hold) takes `rs` off the
message first (`record_take_claim`), so from then on the record key speaks again;
a nack takes it off with the lease (nack.lua: a job handed back unstarted waits again).
The ack of such a message writes the finished record without reading it (`record_settle_riding`:
HSET of the fields the attempt changed, and PEXPIRE; ack.lua's short form), unless a cancel was asked (`x`), a write came between, or the ack's job id
(the body's) is not the message's own `id`. A record follows `m` only to a message whose `id`
is its job's: a queue's keys deleted by hand restart its handles. The short ack writes into a whole
record: one deleted by hand while its job waited is deleted again rather than left half written
(record_settle_riding). A cancel sets `x` on the message as well as on the record. A record without `m` (main's
layout before this, a Cluster, a store for SQS or Pub/Sub) is read and written as it
always was, and so is a message without `rm`: both layouts are read, so a rolling
deploy keeps every record.

Events: a change is published only while someone listens. On one node
(`record_one_node`, defined in front of this file: not a Cluster) the first
change of a script call asks PUBSUB NUMSUB once, and with no subscriber the
call publishes nothing; `hopper.events` listeners subscribe to the channel on
that server, so none misses a change made after it listened. (A PSUBSCRIBE to
the channel's pattern, or a subscriber on a replica, is not counted: subscribe
to the channel on the primary.) On a Cluster every change is published
(another node's subscribers are not counted by NUMSUB).

Finished records (succeeded, failed, dead, cancelled) are indexed per state in a
sorted set `<prefix>:record-index:<state>` (job id scored by its finished ms), kept
by the writes that change state, so listing a state reads no other record. The
additions of one script call are gathered (`record_index_batch`) and written by
`record_index_flush` as one ZADD per state, followed by one trim of what finished
more than its ttl before the newest of them (expired by then): an ack of 100 jobs
indexes them in 2 commands, not 200. No index on a Cluster (`record_one_node`
false), where it would lie in another slot than the record.
]]

local record_finished = { succeeded = true, failed = true, dead = true, cancelled = true }
-- RECORD_KEPT_UNTIL_LATER_WRITE_MS in @hopper/core (a century): a ttl this long or longer means no expiry.
local record_kept_ms = 100 * 365 * 86400000

-- Index keys by state, made once per script call: a call's record keys all share one prefix (its ARGV or KEYS[1]).
local record_index_keys = {}
local function record_index_key(key, id, state)
  local index = record_index_keys[state]
  if not index then
    index = string.sub(key, 1, #key - #id - 1) .. '-index:' .. state
    record_index_keys[state] = index
  end
  return index
end

-- A ttl argument as a number, parsed once per script call for each distinct text (a batch's writes share one or two).
local record_ttl_numbers = {}
local function record_ttl_ms(ttl)
  local ms = record_ttl_numbers[ttl]
  if not ms then
    ms = tonumber(ttl)
    record_ttl_numbers[ttl] = ms
  end
  return ms
end

-- The server's time (ms), read once per script call that indexes a finished record.
local record_server_ms
local function record_server_now()
  if not record_server_ms then
    local time = redis.call('TIME')
    record_server_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  end
  return record_server_ms
end

-- The index additions of one script call: index key -> { members = { finished ms (text), id, ... }, cutoff = trim bound },
-- a flat list ZADD takes as it is (an id added twice keeps its last score, as ZADD does).
local function record_index_batch()
  return {}
end

-- Moves `id` between the state indexes as its record goes from `old` (false when new) to `new`.
-- Removals are written at once; additions wait in `batch` for `record_index_flush` (nil: a write to an unfinished state, which adds none).
local function record_reindex(batch, key, id, old, new, finished, ttl)
  if not record_one_node or old == new and not record_finished[new] then return end
  if old and record_finished[old] and old ~= new then
    local old_index = record_index_key(key, id, old)
    -- Rare (a record leaving a finished state within one call): its pending addition goes, found by a scan.
    local pending = batch and batch[old_index]
    if pending then
      local members = pending.members
      for at = #members, 2, -2 do
        if members[at] == id then table.remove(members, at); table.remove(members, at - 1) end
      end
    end
    redis.call('ZREM', old_index, id)
  end
  if record_finished[new] then
    local index = record_index_key(key, id, new)
    -- The score is the finished ms as written, text: a Lua number given to redis.call is formatted by
    -- snprintf("%.17g") each time, a few thousand instructions per job on Redis 7.0.
    local at, score = tonumber(finished), finished
    if not at then
      at = record_server_now()
      score = string.format('%d', at)
    end
    -- What expired by the server's clock: a writer whose own clock runs ahead must not trim records still alive.
    local cutoff = math.min(at, record_server_now()) - record_ttl_ms(ttl)
    local entry = batch[index]
    if not entry then
      entry = { members = {}, cutoff = cutoff }
      batch[index] = entry
    end
    local members = entry.members
    members[#members + 1] = score
    members[#members + 1] = id
    if cutoff > entry.cutoff then entry.cutoff = cutoff end
  end
end

-- Writes what `record_reindex` gathered: per state index, one ZADD and one trim of what expired.
local function record_index_flush(batch)
  for index, entry in pairs(batch) do
    local members = entry.members
    if #members > 0 then redis.call('ZADD', index, unpack(members)) end
    redis.call('ZREMRANGEBYSCORE', index, '-inf', string.format('(%d', entry.cutoff))
  end
end

-- Whether anyone listens on `channel`: asked once per script call (locals live one call), always true on a Cluster.
local record_listened = {}
local function record_is_listened(channel)
  local listened = record_listened[channel]
  if listened == nil then
    listened = not record_one_node or redis.call('PUBSUB', 'NUMSUB', channel)[2] > 0
    record_listened[channel] = listened
  end
  return listened
end
local function record_publish(channel, id, job, queue, state, attempt, progress)
  if record_is_listened(channel) then
    redis.call('PUBLISH', channel, cjson.encode({ id = id, job = job, queue = queue, state = state, attempt = attempt and tonumber(attempt), progress = progress }))
  end
end

-- Appends a field and its value to an HSET's arguments; returns them.
local function record_set(sets, name, value)
  sets[#sets + 1] = name
  sets[#sets + 1] = value
  return sets
end

-- A field a write sets when given (not ""), and deletes when not given and present (as read in `fields`).
local function record_optional(fields, sets, dels, name, value)
  if value ~= '' then
    record_set(sets, name, value)
  elseif fields[name] then
    dels[#dels + 1] = name
  end
end

-- The named fields of a record, in one HMGET: a table by name (absent fields are nil).
local function record_read(key, names)
  local values = redis.call('HMGET', key, unpack(names))
  local fields = {}
  for index, name in ipairs(names) do
    if values[index] then fields[name] = values[index] end
  end
  return fields
end

-- Adds to `sets`/`dels` the `u` marker the write leaves; returns whether the write's ttl means no expiry.
-- `fields` as read before the write (`s`, `u`); `state` the state written.
local function record_expiry_marker(fields, state, ttl, sets, dels)
  local kept = record_ttl_ms(ttl) >= record_kept_ms
  local marked = not kept and not record_finished[state]
  if marked and fields.u ~= '1' then
    record_set(sets, 'u', '1')
  elseif not marked and fields.u then
    dels[#dels + 1] = 'u'
  end
  return kept
end

-- Gives the key the write's expiry, after its HSET (the key exists): PEXPIRE, or PERSIST when kept and it had one.
local function record_expire(key, fields, ttl, kept)
  if not kept then
    redis.call('PEXPIRE', key, ttl)
  elseif fields.u == '1' or record_finished[fields.s] then
    redis.call('PERSIST', key)
  end
end

-- One HSET, and one HDEL when fields must go.
local function record_write(key, sets, dels)
  redis.call('HSET', key, unpack(sets))
  if #dels > 0 then redis.call('HDEL', key, unpack(dels)) end
end

-- Creates a waiting record unless one exists (batch, parent and args: "" when none). Returns 1 when created.
-- `message_key` (the enqueue's, else nil): its claims may ride in it; the second result is the message's `rm` then, else nil.
-- `absent`: the caller saw the key missing in this script call (record_all_absent), so it is not asked again.
local function record_insert(key, job, queue, enqueued, run_at, ttl, channel, id, batch, parent, args, message_key, absent)
  if not absent and redis.call('EXISTS', key) == 1 then return 0 end
  if message_key and record_one_node and args ~= '' and run_at == '' and batch == '' and parent == '' and record_ttl_ms(ttl) >= record_kept_ms then
    -- The usual insert (a job of its own, due now, its args kept, riding), written without building a table of
    -- arguments: the same fields as below, a Lua table and its calls being a good part of a record's cost per job.
    redis.call('HSET', key, 'j', job, 'q', queue, 'ea', enqueued, 's', 'waiting', 'a', '0', 'g', args, 'm', message_key)
    record_publish(channel, id, job, queue, 'waiting', 0)
    return 1, '1'
  end
  local sets = { 'j', job, 'q', queue, 'ea', enqueued, 's', 'waiting', 'a', '0' }
  if run_at ~= '' then record_set(sets, 'ra', run_at) end
  if batch ~= '' then record_set(sets, 'b', batch) end
  if parent ~= '' then record_set(sets, 'pj', parent) end
  if args ~= '' then record_set(sets, 'g', args) end
  local kept = record_expiry_marker({}, 'waiting', ttl, sets, {})
  -- Only a record kept until a later write (no expiry to renew) leaves its claims to its message.
  local rides = nil
  if message_key and kept and record_one_node then
    record_set(sets, 'm', message_key)
    rides = run_at ~= '' and '2' or '1'
  end
  redis.call('HSET', key, unpack(sets))
  if not kept then redis.call('PEXPIRE', key, ttl) end
  record_publish(channel, id, job, queue, 'waiting', 0)
  return 1, rides
end

-- Whether none of `keys` exists, asked in one EXISTS per 1000 keys (unpack takes a few thousand values at most)
-- rather than one per record: an enqueue of many new jobs then skips record_insert's own EXISTS.
local function record_all_absent(keys)
  for from = 1, #keys, 1000 do
    if redis.call('EXISTS', unpack(keys, from, math.min(from + 999, #keys))) > 0 then return false end
  end
  return true
end

-- Each function below follows a record's `m` only to a message whose `id` is the record's job id `id`, read in
-- the one HMGET it makes anyway: a queue's keys deleted by hand restart its handles, so a stale record's `m`
-- may name a later job's message, which is not this record's to read or mark.

-- The claim a record's message holds for it (receive.lua wrote `rs` there instead of a start), read from
-- `fields` (with `s` and `m`): { started, attempt }, or nil when the record key speaks for itself.
local function record_riding_claim(fields, id)
  if not record_one_node or not fields.m or not fields.s or record_finished[fields.s] then return nil end
  local message = redis.call('HMGET', fields.m, 'rs', 'n', 'h', 'id')
  if not message[1] or message[4] ~= id then return nil end
  return { started = message[1], attempt = (tonumber(message[2]) or 0) - (tonumber(message[3]) or 0) }
end

-- Before a write of its own to a record whose claim rode in its message: takes `rs` off the message
-- (the record key speaks from now on) and returns it (the started ms), or nil.
-- It also turns the message's rm to "2": this write may leave a run-at or an error that a riding ack must clear.
local function record_take_claim(fields, id)
  if not record_one_node or not fields.m then return nil end
  local message = redis.call('HMGET', fields.m, 'rs', 'rm', 'id')
  if message[3] ~= id then return nil end
  if message[1] then redis.call('HDEL', fields.m, 'rs') end
  if message[2] == '1' then redis.call('HSET', fields.m, 'rm', '2') end
  return message[1]
end

-- Sets the cancel mark on a record's message (when it rides in one that is still this job's), for the claim that reads it there.
local function record_mark_message_cancelled(fields, id)
  if record_one_node and fields.m and redis.call('HGET', fields.m, 'id') == id then redis.call('HSET', fields.m, 'x', '1') end
end

-- Moves a record to running (created when missing and `job` is given), unless cancelled or its cancel was asked.
-- With `job` "" (a claim, which knows only the queue) it touches only a record of `queue`'s.
-- Returns 1 when running, 0 when cancelled, -1 when missing (or another queue's, for a claim) and not created,
-- 2 when the record is another job's (left alone; the job runs).
local function record_start(key, job, queue, enqueued, attempt, started, ttl, channel, id)
  local fields = record_read(key, { 'j', 'q', 's', 'x', 'u', 'fa', 'ra', 'm' })
  if job == '' then
    if fields.q ~= queue or not fields.s then return -1 end
  elseif fields.j and (fields.j ~= job or fields.q ~= queue) then
    return 2
  end
  local state = fields.s
  if state == 'cancelled' or fields.x == '1' then return 0 end
  record_take_claim(fields, id)
  local sets, dels = { 's', 'running', 'a', attempt, 'sa', started }, {}
  if not state then record_set(record_set(record_set(sets, 'j', job), 'q', queue), 'ea', enqueued) end
  if fields.fa then dels[#dels + 1] = 'fa' end
  if fields.ra then dels[#dels + 1] = 'ra' end
  local kept = record_expiry_marker(fields, 'running', ttl, sets, dels)
  record_write(key, sets, dels)
  record_expire(key, fields, ttl, kept)
  record_reindex(nil, key, id, state, 'running', '', ttl)
  record_publish(channel, id, fields.j or job, fields.q or queue, 'running', attempt)
  return 1
end

-- Ends an attempt (created when missing); a cancelled record, or another job's, stays as it is. Returns 1 when written.
-- `job` false (a riding ack that found its claim taken back: ack.lua's short form) settles the record as it names
-- itself, and only when it exists. Its index addition waits in `index_batch` (record_index_flush).
local function record_settle(index_batch, key, job, queue, enqueued, state, attempt, result, error, finished, run_at, ttl, channel, id)
  local fields = record_read(key, { 'j', 'q', 's', 'u', 'r', 'e', 'fa', 'ra', 'm' })
  if not job then
    if not fields.s then return 0 end
    job, queue = fields.j, fields.q
  end
  -- Another job's record (a crafted push envelope naming it) is left alone.
  if fields.j and (fields.j ~= job or fields.q ~= queue) then return 0 end
  local current = fields.s
  if current == 'cancelled' then return 0 end
  local sets, dels = { 's', state, 'a', attempt }, {}
  local started = record_take_claim(fields, id)
  if started then record_set(sets, 'sa', started) end
  if not current then record_set(record_set(record_set(sets, 'j', job), 'q', queue), 'ea', enqueued) end
  record_optional(fields, sets, dels, 'r', result)
  record_optional(fields, sets, dels, 'e', error)
  record_optional(fields, sets, dels, 'fa', finished)
  record_optional(fields, sets, dels, 'ra', run_at)
  local kept = record_expiry_marker(fields, state, ttl, sets, dels)
  record_write(key, sets, dels)
  record_expire(key, fields, ttl, kept)
  record_reindex(index_batch, key, id, current, state, finished, ttl)
  record_publish(channel, id, job, queue, state, attempt)
  return 1
end

-- Ends an attempt whose claim rode in its message (`rs` there as `started`, no cancel asked, no write since):
-- the record holds what its insert wrote (job, queue, enqueued, args; and progress), and the claim found it there,
-- so only what the attempt changed is written, without reading it. `clear_left`: the record may hold a run-at or
-- an error (the message's rm "2": the insert wrote a run-at, or a hold, retry or start wrote the record since the
-- enqueue), which a finished record does not keep. The job and queue of the event are read only while someone listens.
local function record_settle_riding(index_batch, key, state, attempt, result, error, finished, ttl, channel, id, started, clear_left)
  local written, added
  if finished ~= '' and (result ~= '') ~= (error ~= '') then
    -- The usual ack (a finished time and one of result or error), written without building a table of arguments.
    written, added = 5, redis.call('HSET', key, 's', state, 'a', attempt, 'sa', started, result ~= '' and 'r' or 'e', result ~= '' and result or error, 'fa', finished)
  else
    local sets = { 's', state, 'a', attempt, 'sa', started }
    if result ~= '' then record_set(sets, 'r', result) end
    if error ~= '' then record_set(sets, 'e', error) end
    if finished ~= '' then record_set(sets, 'fa', finished) end
    written, added = #sets / 2, redis.call('HSET', key, unpack(sets))
  end
  -- Every field new: the record is gone (deleted by hand while its job waited or ran); no half record is left.
  if added == written then
    redis.call('DEL', key)
    return
  end
  if clear_left then
    if error == '' then redis.call('HDEL', key, 'ra', 'e') else redis.call('HDEL', key, 'ra') end
  end
  if record_ttl_ms(ttl) < record_kept_ms then redis.call('PEXPIRE', key, ttl) end
  record_reindex(index_batch, key, id, 'waiting', state, finished, ttl)
  if record_is_listened(channel) then
    local names = redis.call('HMGET', key, 'j', 'q')
    record_publish(channel, id, names[1], names[2], state, attempt)
  end
end

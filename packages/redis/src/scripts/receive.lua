--[[
Leases up to `max` messages: first promotes due delayed messages and reclaims
expired leases (their next delivery counts as a new attempt), then takes the
highest-priority, oldest ready messages.

Every read of a message comes before the first write, and every removal from a set comes after the last write to
it and the last read (see the writes: a set emptied is deleted, and a slot being migrated refuses a missing key half
way through the script). During a Redis Cluster slot
migration a script that reads a message hash already moved away fails (Redis 7
refuses a key it no longer holds) before it has changed anything; one that runs
on the importing node (after ASK) sees a hash not yet moved as missing. A
handle whose hash is missing is never dropped: it moves to `orphans` and is
returned so the client reports it; a later call puts it back once its hash is
there again (a finished migration). A hash that stays missing (evicted,
deleted by hand) leaves its handle in `orphans` for an operator.
KEYS[1] ready, KEYS[2] delayed, KEYS[3] leased, KEYS[4] orphans
ARGV[1] base, ARGV[2] max messages, ARGV[3] lease ms, ARGV[4] most messages promoted or reclaimed per call,
ARGV[5] record key prefix, or "" to leave records alone, ARGV[6] record events channel, ARGV[7] queue name,
ARGV[8] ttl ms of a started record, ARGV[9] "c" to lease compactly (common.lua, `leased`) each message it can: one
leased without records (ARGV[5] "") that has no ordering or dedupe key (nor a lease mark left by an older release),
so its ack needs nothing from the message but its removal; else "" (every lease written into the message, as every
release before 2026-12-06 did). ARGV[10] the caller's reckoning of the server's time (ms), by which leases lapse when
it is earlier than the server's clock (common.lua, `lapse_time`), or "" (absent: an older release) for the clock.
Reclaimed leases and orphans may be compact members whatever ARGV[9] says: each is read as its handle, and its
delivery count written into the message as it goes back.
With records, each leased message's record, when it exists and names this queue, moves to running
(attempt = the deliveries not handed back uncounted, started now), unless it was cancelled (see record_start in records.lua);
a message marked `rm` holds that claim itself (`rs`, and `x` when a cancel was asked; records.lua), its record
neither read nor written (read for the job's name only while someone listens for events).
Returns: { now, next, orphaned count, orphaned handles..., lease, body, ... }: two values per leased message,
  lease = "<handle> <token> <attempt> <record> <id>" (space-separated; the id last, as it may hold spaces), as a
  client decodes each value of a reply apart (ioredis 6: a Buffer, then a string), and a handful of short ones
  cost it more than their text (redis-receive.ts, toMessages).
  token: the delivery count, the lease token ("c<count>" for a compact lease); attempt: the deliveries not handed
  back uncounted.
  record: "running", "riding" (running, the claim held by the message: its ack may take the short form,
  ack.lua), "cancelled", or "" when none was written.
  now: server time (ms); next: when something delayed or leased next falls due
  (server ms), or -1 when nothing is or messages were returned.
]]
local ready_key, delayed_key, leased_key, orphans_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local base = ARGV[1]
local max, lease_ms, limit = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local record_prefix, record_channel, queue, record_ttl = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local compact = ARGV[9] == 'c' and record_prefix == ''
local now = now_ms()
local lapse_at = lapse_time(now, ARGV[10])
-- Numbers handed to redis.call go as text (integer_text, common.lua), e.g. the claim's started ms.
local now_text, lease_text = integer_text(now), integer_text(now + lease_ms)
-- Orphans are looked at again at most once a second each, a few per call.
local orphan_recheck_ms, orphan_recheck_count = 1000, 10

local function priority_of(handle)
  return redis.call('HGET', base .. 'm:' .. handle, 'pri')
end

-- Reads: what becomes ready (with its priority, false when its hash is missing), then what to lease.
-- A move: { from, member, priority, due (or nil: ready now), handle, a compact lease's delivery count (or nil) }.
local moves = {}
-- The delivery counts of compact leases taken back (or orphans found again) by handle: the message holds an older
-- count until the writes below, and a receive may lease it again at once.
local counts_taken_back = {}
for _, handle in ipairs(redis.call('ZRANGEBYSCORE', delayed_key, '-inf', now_text, 'LIMIT', '0', integer_text(limit))) do
  moves[#moves + 1] = { delayed_key, handle, priority_of(handle), nil, handle }
end
for _, member in ipairs(redis.call('ZRANGEBYSCORE', leased_key, '-inf', integer_text(lapse_at), 'LIMIT', '0', integer_text(limit))) do
  local handle, count = lease_member_parts(member)
  moves[#moves + 1] = { leased_key, member, priority_of(handle), nil, handle, count }
  if count then counts_taken_back[handle] = count end
end
for _, member in ipairs(redis.call('ZRANGEBYSCORE', orphans_key, '-inf', integer_text(now - orphan_recheck_ms), 'LIMIT', '0', integer_text(orphan_recheck_count))) do
  -- An orphan found again keeps its due time: an ordering line's next, parked by an ack, may be delayed.
  local handle, count = lease_member_parts(member)
  local fields = redis.call('HMGET', base .. 'm:' .. handle, 'pri', 'at')
  local due = tonumber(fields[2])
  moves[#moves + 1] = { orphans_key, member, fields[1], due and due > now and due or nil, handle, count }
  if count then counts_taken_back[handle] = count end
end

-- Ready's order: score (-priority), then handle (zero-padded, so string order is enqueue order).
-- Only a merge with moved messages needs the scores: Redis 7.0 formats each score reply with "%.17g".
-- Per message, this script keeps flat lists rather than a table each: a Lua table is an allocation or two, and its
-- garbage to collect, which per message cost more than the reads they hold.
local handles
if #moves == 0 then
  handles = redis.call('ZRANGE', ready_key, '0', integer_text(max - 1))
else
  local candidates = {}
  local head = redis.call('ZRANGE', ready_key, '0', integer_text(max - 1), 'WITHSCORES')
  for index = 1, #head, 2 do candidates[#candidates + 1] = { tonumber(head[index + 1]), head[index] } end
  for _, move in ipairs(moves) do
    if move[3] and not move[4] then candidates[#candidates + 1] = { -tonumber(move[3]), move[5] } end
  end
  table.sort(candidates, function(a, b)
    if a[1] ~= b[1] then return a[1] < b[1] end
    return a[2] < b[2]
  end)
  handles = {}
  for index = 1, math.min(max, #candidates) do handles[index] = candidates[index][2] end
end
-- Each chosen message's key and fields (id, body, h, n; with records rm, x; compact, ok, dk, l), by its place in `handles`.
local chosen_keys, chosen_fields = {}, {}
for index = 1, math.min(max, #handles) do
  local message_key = base .. 'm:' .. handles[index]
  chosen_keys[index] = message_key
  -- The record's fields (its claim's place, the cancel mark) only when the call starts records. A riding claim
  -- reads no record: every cancel (this release's and the previous one's) marks the message `x`.
  if record_prefix ~= '' then
    chosen_fields[index] = redis.call('HMGET', message_key, 'id', 'body', 'h', 'n', 'rm', 'x')
  elseif compact then
    chosen_fields[index] = redis.call('HMGET', message_key, 'id', 'body', 'h', 'n', 'ok', 'dk', 'l')
  else
    chosen_fields[index] = redis.call('HMGET', message_key, 'id', 'body', 'h', 'n')
  end
end

-- Writes: nothing below reads a key that could be missing for cluster reasons. On a slot being migrated a script
-- may touch only keys that exist, and a set this script empties is deleted: so every removal from `delayed`,
-- `leased` and `orphans` waits for the end, after every addition to them and the last read (one that came first
-- could empty `leased` of expired leases before the new ones are added, which the slot then refuses half way,
-- leaving the jobs taken off `ready` leased nowhere).
-- Made only when something moves (most calls move nothing).
local removals = nil
local function remove_later(key, member)
  removals = removals or {}
  local members = removals[key]
  if not members then
    members = {}
    removals[key] = members
  end
  members[#members + 1] = member
end
local orphaned = {}
-- Handles whose lease mark this call deletes (a lease in the message taken back): read above, but gone by the leases below.
local marks_cleared = {}
-- A compact lease's member keeps its count in orphans; the client is told the handle.
local function orphan(member, handle)
  redis.call('ZADD', orphans_key, now_text, member)
  orphaned[#orphaned + 1] = handle
end
for _, move in ipairs(moves) do
  local source_key, member, priority, handle, count = move[1], move[2], move[3], move[5], move[6]
  if priority then
    remove_later(source_key, member)
    -- A lease reclaimed, or an orphan (perhaps once leased) found again: no lease holds it, so no mark either
    -- (common.lua, `l`), and a compact lease's delivery count goes into the message. The hash is here: its priority was read above.
    if count then
      redis.call('HSET', base .. 'm:' .. handle, 'n', count)
    elseif source_key ~= delayed_key then
      redis.call('HDEL', base .. 'm:' .. handle, 'l')
      marks_cleared[handle] = true
    end
    if move[4] then
      redis.call('ZADD', delayed_key, integer_text(move[4]), handle)
    else
      redis.call('ZADD', ready_key, integer_text(-tonumber(priority)), handle)
    end
  elseif source_key == orphans_key then
    -- Still missing: look again later (the score is when it was last looked at).
    redis.call('ZADD', orphans_key, now_text, member)
  else
    remove_later(source_key, member)
    orphan(member, handle)
  end
end

-- The leased messages' reply values, two each (see Returns), in order.
local replies = {}
local leases = {}
local taken = {}
for index, message_key in ipairs(chosen_keys) do
  local handle, fields = handles[index], chosen_fields[index]
  local id, body = fields[1], fields[2]
  local rides, cancel_asked = fields[5], fields[6] == '1'
  taken[#taken + 1] = handle
  if body then
    -- n counts every delivery and is the lease token (it only grows); h counts uncounted hand-backs (nack.lua).
    local token = (tonumber(counts_taken_back[handle] or fields[4]) or 0) + 1
    local attempt = token - (tonumber(fields[3]) or 0)
    local token_text = token == 1 and '1' or integer_text(token)
    local attempt_text = attempt == token and token_text or integer_text(attempt)
    -- Compact: no ordering or dedupe key (fields 5 and 6 of this call's read) for its ack to release, and no lease mark
    -- (7): a release before 141de82 left its mark on a message it took back, which a stale holder's ack would still
    -- match while a compact lease (which writes no mark) holds it; a lease in the message writes the mark anew. A mark
    -- this call deleted (its lease taken back above) is no longer there for a stale holder to match.
    local compact_lease = compact and not fields[5] and not fields[6] and (not fields[7] or marks_cleared[handle])
    leases[#leases + 1] = lease_text
    leases[#leases + 1] = compact_lease and handle .. ':' .. token_text or handle
    local record = ''
    if compact_lease then
      -- Nothing written into the message: the count rides in the lease's member (common.lua, `leased`).
      token = 'c' .. token_text
    elseif record_prefix ~= '' and rides then
      -- The claim rides in the message (records.lua): rs beside n, in the one write the message gets anyway.
      if cancel_asked then
        redis.call('HSET', message_key, 'n', token_text, 'l', token_text)
        record = 'cancelled'
      else
        redis.call('HSET', message_key, 'n', token_text, 'l', token_text, 'rs', now_text)
        record = 'riding'
        -- The event names the job: read from the record only while someone listens (none for a record deleted by hand).
        if record_is_listened(record_channel) then
          local job = redis.call('HGET', record_prefix .. id, 'j')
          if job then record_publish(record_channel, id, job, queue, 'running', attempt) end
        end
      end
    else
      redis.call('HSET', message_key, 'n', token_text, 'l', token_text)
    end
    -- Only a record of this queue's (record_start with no job): a message cannot start another queue's job's record.
    if record_prefix ~= '' and not rides then
      local started = record_start(record_prefix .. id, '', queue, '', attempt_text, now_text, record_ttl, record_channel, id)
      if started == 1 then record = 'running' elseif started == 0 then record = 'cancelled' end
    end
    local at = #replies
    -- A hash without its id (written by hand) still goes out, its id empty (the body's envelope names the job), rather
    -- than fail the call for the whole queue after its writes.
    replies[at + 1], replies[at + 2] = handle .. ' ' .. (compact_lease and token or token_text) .. ' ' .. attempt_text .. ' ' .. record .. ' ' .. (id or ''), body
  else
    orphan(handle, handle)
  end
end
-- One ZREM off ready and one ZADD to leased for the whole batch (at most 2 x maxReceiveBatch arguments),
-- not a ZREM per message: a call from Lua costs more than the work it does on a small zset.
if #taken > 0 then redis.call('ZREM', ready_key, unpack(taken)) end
if #leases > 0 then redis.call('ZADD', leased_key, unpack(leases)) end

local result = { now, -1, #orphaned }
for _, handle in ipairs(orphaned) do result[#result + 1] = handle end
local at = #result
for index = 1, #replies do result[at + index] = replies[index] end
-- When the next delayed message or lease falls due, read before the removals below (a member they remove is due by
-- now, and was made ready or parked: at worst the caller looks again at once).
-- A lease lapses `now - lapse_at` later on the server's clock than its deadline says.
if #replies == 0 then
  for _, key in ipairs({ delayed_key, leased_key }) do
    local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local due = first[2] and tonumber(first[2]) + (key == leased_key and now - lapse_at or 0)
    if due and (result[2] == -1 or due < result[2]) then result[2] = due end
  end
end
-- The removals, last. A reclaimed lease whose handle was leased again by this call (a lease in the message: the
-- member is the handle) keeps the new lease.
if removals then
  local reclaimed = removals[leased_key]
  if reclaimed and #leases > 0 then
    local leased_again = {}
    for index = 2, #leases, 2 do leased_again[leases[index]] = true end
    local kept = {}
    for _, member in ipairs(reclaimed) do
      if not leased_again[member] then kept[#kept + 1] = member end
    end
    removals[leased_key] = kept
  end
  for _, key in ipairs({ delayed_key, leased_key, orphans_key }) do
    local members = removals[key]
    if members and #members > 0 then redis.call('ZREM', key, unpack(members)) end
  end
end
return result

--[[
Stores a batch of messages in one queue.
KEYS[1] ready, KEYS[2] delayed, KEYS[3] meta, KEYS[4] dedupe, KEYS[5..] the ordering lines the messages join
  (declared only: on a Cluster a slot half moved then answers TRYAGAIN until they are here, rather than a line not yet
  moved looking missing and a second one started beside it; a new line waits out the migration), then the message
  hashes of dedupe keys' holders a first call found missing (see Returns)
ARGV[1] base ("{<prefix>:<queue>}:"), ARGV[2] wake-up channel,
ARGV[3] record key prefix ("<prefix>:record:"), or "" when the messages carry no records,
ARGV[4] record events channel, ARGV[5] queue name, ARGV[6] this send's token (unique per send),
ARGV[7] how each message's own arguments come: "" as id, body, delay ms, priority, ordering key, dedupe key
  (the two keys are "" when absent, else the key behind a "="); "p" (plain: every message of the send due now, of
  priority 0, without either key, as most are) as id and body only: each argument costs the script a string.
Without records, ARGV[8..] per message those arguments.
With records, ARGV[8] says how the record arguments come (see record_insert in records.lua; a record
  created here has its claims ride in the message: `m` on the record, `rm` on the message):
  "" each message's own: ARGV[9..] per message its arguments above and seven more: job ("" for a message
     without a record), enqueued ms, run-at ms or "", ttl ms, batch id or "", parent job id or "", args text or "";
  "s" once for the call (every message has a record and they agree in all but args): ARGV[9..14] job, enqueued
     ms, run-at ms or "", ttl ms, batch id or "", parent job id or ""; ARGV[15..] per message its arguments above and
     its args text or "". Sent once, they cost the server and the client no per-message arguments.
Reads come before the first write: on a slot being migrated away, reading a
key this node does not hold (the send's token key, absent on a first run)
fails the script before it has stored anything, so a batch is never half stored.
Returns: the number of messages, when every one was enqueued (the usual send: no list to build and answer); else
  one entry per message, in order: 1 when enqueued, or the job id of the queued message that holds the same dedupe
  key (a string). Or, having written nothing, { { key, ... } }: the
  message hashes of dedupe keys' holders that are missing and not declared (declared_key, common.lua): on a Cluster
  mid-migration a holder not yet moved would look gone, and its key be given to a second job.
A send is stored once: ioredis sends a command again when its connection
dropped before the answer came, though the server may have run it (a crash
after an fsynced write). Each send leaves its token key (`sent:<token>`) for a
minute, and a send that finds its own there answers what its first run stored and
stores nothing (always as a list: 1 per message enqueued, a holder's id for a duplicate).
]]
local ready_key, delayed_key, meta_key, dedupe_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local base = ARGV[1]
local record_prefix, record_channel, queue = ARGV[3], ARGV[4], ARGV[5]
local sent_key = base .. 'sent:' .. ARGV[6]
-- `own`: how many arguments each message has of its own, before its record's; `shared`: the call's record arguments
-- (the "s" form), else nil.
local plain = ARGV[7] == 'p'
local own = plain and 2 or 6
local with_records = record_prefix ~= ''
local first, stride, shared = 8, own, nil
if with_records and ARGV[8] == 's' then
  first, stride, shared = 15, own + 1, { ARGV[9], ARGV[10], ARGV[11], ARGV[12], ARGV[13], ARGV[14] }
elseif with_records then
  first, stride = 9, own + 7
end
local count = (#ARGV - first + 1) / stride
local now = now_ms()
local now_text = integer_text(now)

-- Reads: this send's token key, at once the probe (absent unless the send ran already: a key this node must be able to
-- create) and whether the send ran already; then who holds each dedupe key.
if redis.call('EXISTS', sent_key) == 1 then
  local answers = {}
  for index = 0, count - 1 do
    local offset = first + index * stride
    local dedupe = plain and '' or ARGV[offset + 5]
    answers[index + 1] = 1
    if dedupe ~= '' then
      local holder = redis.call('HGET', dedupe_key, string.sub(dedupe, 2))
      local holder_id = holder and redis.call('HGET', base .. 'm:' .. holder, 'id')
      if holder_id and holder_id ~= ARGV[offset] then answers[index + 1] = holder_id end
    end
  end
  return answers
end
local existing, claimed, missing_holders = {}, {}, {}
for index = 0, plain and -1 or count - 1 do
  local dedupe = ARGV[first + index * stride + 5]
  if dedupe ~= '' then
    dedupe = string.sub(dedupe, 2)
    if claimed[dedupe] then
      existing[index] = claimed[dedupe]
    else
      local holder = redis.call('HGET', dedupe_key, dedupe)
      if holder then
        local holder_key = base .. 'm:' .. holder
        existing[index] = redis.call('HGET', holder_key, 'id')
        -- A holder without its message: on a Cluster, perhaps not moved yet (declared_key, common.lua).
        if not existing[index] and not declared_key(holder_key, 5) then missing_holders[#missing_holders + 1] = holder_key end
      end
      -- Later messages of this batch with the same key are duplicates of this one (or of its holder).
      claimed[dedupe] = existing[index] or ARGV[first + index * stride]
    end
  end
end
if #missing_holders > 0 then return { missing_holders } end

-- The records this send creates: when none of their keys exists (the usual case), one EXISTS answers for all of them.
-- A one-message send leaves it to record_insert's own EXISTS, without building the list.
-- Their keys by message index, made once for both uses.
local records_absent, record_key_at = false, {}
if with_records and count > 1 then
  local record_keys = {}
  for index = 0, count - 1 do
    local offset = first + index * stride
    if not existing[index] and (shared or ARGV[offset + own] ~= '') then
      local record_key = record_prefix .. ARGV[offset]
      record_keys[#record_keys + 1] = record_key
      record_key_at[index] = record_key
    end
  end
  records_absent = #record_keys > 1 and record_all_absent(record_keys)
end
-- Ids whose record this send created: a second message with the same id finds it (record_insert asks again).
local records_created = {}

-- Writes. The handles follow the queue's last one (`seq`), which the increment answers, and never fall below the
-- server's clock in µs: a restart without persistence wipes `seq` with the queue, and a failover to a replica a few
-- writes behind rolls it back; handles handed out before again (with delivery count 1 again) would let a lease from
-- before ack or nack another job. The restart or failover outlasts the handles it lost: they run ahead of the clock
-- only while sends outpace a message per µs. A counter behind the clock is moved up (a second write, made by sends
-- slower than that). Handles stay in order as text: the older ones are 15 digits, zero-padded, and the clock's 16
-- start with a 1.
local seq = redis.call('HINCRBY', meta_key, 'seq', integer_text(count)) - count
if seq < now * 1000 then
  seq = now * 1000
  redis.call('HSET', meta_key, 'seq', string.format('%d', seq + count))
end
local function handle_of(index) return string.format('%015d', seq + index + 1) end
-- One answer per message once one is a duplicate (see Returns); nil while every one was enqueued.
local results = nil
-- Eligible messages without an ordering key join their set with one ZADD per set for the whole send: a
-- redis.call per message costs more than its write. Should a write fail part-way, the messages before
-- it stay unindexed, never delivered, as the failed answer says (before, they were delivered).
local ready_members, delayed_members = {}, {}
-- Ordering lines whose head this send scheduled at once (not in the two lists above): they wake receivers too.
local heads_scheduled = 0
for index = 0, count - 1 do
  local offset = first + index * stride
  local id, body = ARGV[offset], ARGV[offset + 1]
  local delay_text, priority_text, ordering, dedupe = '0', '0', '', ''
  if not plain then delay_text, priority_text, ordering, dedupe = ARGV[offset + 2], ARGV[offset + 3], ARGV[offset + 4], ARGV[offset + 5] end
  if existing[index] then
    if not results then
      results = {}
      for before = 1, index do results[before] = 1 end
    end
    results[index + 1] = existing[index]
  else
    local handle = handle_of(index)
    local message_key = base .. 'm:' .. handle
    -- Arguments as text (integer_text, common.lua): the same text main's scripts stored, without Redis's %.17g.
    -- The usual message (no delay, priority 0) parses and formats nothing: its texts are now_text and '0'.
    local at, at_text, priority = now, now_text, 0
    if delay_text ~= '0' then
      at = now + tonumber(delay_text)
      at_text = integer_text(at)
    end
    if priority_text ~= '0' then
      priority = tonumber(priority_text)
      priority_text = integer_text(priority)
    end
    -- The record first: when it is created here, its claims ride in this message (rm; see records.lua).
    local rides = nil
    -- Every message of the shared form has a record; of the per-message form, those with a job.
    if with_records and (shared or ARGV[offset + own] ~= '') then
      local absent = records_absent and not records_created[id]
      local record_key = record_key_at[index] or record_prefix .. id
      local _
      if shared then
        _, rides = record_insert(record_key, shared[1], queue, shared[2], shared[3], shared[4], record_channel, id, shared[5], shared[6], ARGV[offset + own], message_key, absent)
      else
        local arg = offset + own
        _, rides = record_insert(record_key, ARGV[arg], queue, ARGV[arg + 1], ARGV[arg + 2], ARGV[arg + 3], record_channel, id, ARGV[arg + 4], ARGV[arg + 5], ARGV[arg + 6], message_key, absent)
      end
      records_created[id] = true
    end
    if rides then
      redis.call('HSET', message_key, 'id', id, 'body', body, 'pri', priority_text, 'at', at_text, 'n', '0', 'rm', rides)
    else
      redis.call('HSET', message_key, 'id', id, 'body', body, 'pri', priority_text, 'at', at_text, 'n', '0')
    end
    if dedupe ~= '' then
      dedupe = string.sub(dedupe, 2)
      redis.call('HSET', dedupe_key, dedupe, handle)
      redis.call('HSET', message_key, 'dk', dedupe)
    end
    local is_head = true
    if ordering ~= '' then
      ordering = string.sub(ordering, 2)
      redis.call('HSET', message_key, 'ok', ordering)
      is_head = redis.call('RPUSH', base .. 'o:' .. ordering, handle) == 1
    end
    if not is_head then
      redis.call('HINCRBY', meta_key, 'waiting', '1')
    elseif ordering ~= '' then
      -- A line's head is indexed as soon as it heads the line, as before: a later failure in this
      -- script must not leave a line whose head is in `o:` but in neither set (the line would stall).
      schedule(ready_key, delayed_key, handle, at, now, priority)
      heads_scheduled = heads_scheduled + 1
    elseif at > now then
      delayed_members[#delayed_members + 1] = at_text
      delayed_members[#delayed_members + 1] = handle
    else
      ready_members[#ready_members + 1] = priority_text == '0' and '0' or integer_text(-priority)
      ready_members[#ready_members + 1] = handle
    end
    if results then results[index + 1] = 1 end
  end
end

-- The same scores schedule() gives (common.lua); in chunks, as unpack() takes a few thousand values at most.
local function add_all(key, members)
  for from = 1, #members, 2000 do redis.call('ZADD', key, unpack(members, from, math.min(from + 1999, #members))) end
end
add_all(ready_key, ready_members)
add_all(delayed_key, delayed_members)

redis.call('SET', sent_key, '1', 'PX', '60000')

-- Delayed messages wake receivers too, so they recompute when to look again; so does a line's new head.
if heads_scheduled + #ready_members + #delayed_members > 0 then redis.call('PUBLISH', ARGV[2], '') end
return results or count

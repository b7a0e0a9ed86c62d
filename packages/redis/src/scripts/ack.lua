--[[
Removes acked messages for good: an ack is taken when the message's lease mark `l` (common.lua) and its
delivery count `n` are both the ack's token, so a stale lease (nacked, reclaimed, or taken again) makes its entry a
no-op. A taken handle found outside `leased` (see the writes) goes from wherever it waits. Releases dedupe keys and lets the next
message behind each ordering key become eligible.
Reads come before the first write, so a script stopped by a slot migration (a key moved away) has changed
nothing; the acked messages' hashes are declared, so a half-moved slot answers TRYAGAIN instead (which is what
lets the compact acks' fallback read them after the first write, see the writes). No key is touched after a write
of this script may have emptied (deleted) it: a slot being migrated would refuse it half way through.
KEYS[1] ready, KEYS[2] delayed, KEYS[3] leased, KEYS[4] meta, KEYS[5] dedupe, KEYS[6] orphans,
KEYS[7..] the message hash of each pair in ARGV, in order; then any ordering lines declared after a first call (see Returns)
ARGV[1] base, ARGV[2] wake-up channel, ARGV[3] record key prefix, or "" when no ack carries a record,
ARGV[4] record events channel,
ARGV[5..] without records, per ack: handle, attempt (the lease token).
With records (ARGV[3] given), ARGV[5] state and ARGV[6] ttl ms of the call's "s" and "S" acks ("" when none),
ARGV[7] result or error and ARGV[8] finished ms of its "S" acks, ARGV[9] "S" when every ack takes that form (then
ARGV[10..] per ack only handle and attempt), else "" and ARGV[10..] per ack: handle, attempt, and a form and its arguments:
  ""  no record;
  "r" (the receive said the claim rode in the message; a finished state, no run-at): job id, state,
      result (succeeded) or error (else), finished ms, ttl ms; the attempt is the message's (n - h);
  "s" an "r" of the message's own job (its `id`) with the call's state and ttl: result or error, finished ms.
      A drain's acks mostly agree in state and ttl, so these go once per call;
  "S" an "s" whose result or error and finished ms are the call's as well (no arguments: a drain of jobs that return
      nothing, finishing within one millisecond of each other, sends per ack what it sends without records);
  "f" job id, job, queue, enqueued ms, state, attempt, result, error, finished ms, run-at ms (each "" when
      absent), ttl ms.
  An ack's attempt is its lease token: the delivery count, or a compact lease's "c<n>" (common.lua, `leased`). The
  compact acks without a record are taken by one ZREM of their members, nothing read from their messages; only when
  it removes fewer than all does each message's count say which were live (see the writes).
  The record is settled (record_settle in records.lua) only when its message is removed; without being read
  (record_settle_riding) when its claim still rides in the message; an "r" ack whose claim was taken back since
  settles the record as it names itself.
Returns: the number of acks taken; or, having written nothing, { { key, ... } }: the ordering lines of taken acks
that are missing and not declared (declared_key, common.lua). On a Cluster mid-migration a line not yet moved looks
missing, and removing its head then would stall the line for good once it arrives.
]]
local ready_key, delayed_key, leased_key, meta_key, dedupe_key, orphans_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local base = ARGV[1]
local record_prefix, record_channel = ARGV[3], ARGV[4]
local now = now_ms()
local with_records = record_prefix ~= ''
-- The state and ttl of the call's "s" and "S" acks; the value and finished ms of its "S" acks; whether all are "S".
local shared_state, shared_ttl, shared_value, shared_finished = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local every_form = with_records and ARGV[9] or ''
-- Arguments an ack's record form takes after the form itself.
local form_size = { [''] = 0, r = 5, s = 2, S = 0, f = 11 }

-- Reads. A taken ack is kept in flat lists by its place (a table per ack is an allocation or two, and garbage to
-- collect, which cost more than what it would hold); `keyed` holds what one with an ordering or dedupe key needs;
-- its handle is its member in `leased`, but for a compact lease with a record (never made today: a compact lease is
-- taken without records), whose member goes in `record_compact_members`. The compact acks without a record read
-- nothing: they wait in `compact_*` for the writes. (One pass over the arguments, and nothing more per plain ack: a
-- first pass into per-ack lists cost a plain ack ~6k instructions more, counted.)
local done_handles, done_keys, done_fields, done_forms, done_ats, keyed = {}, {}, {}, {}, {}, {}
local compact_members, compact_handles, compact_keys_at, compact_counts, record_compact_members = {}, {}, {}, {}, {}
local byte = string.byte
local seen, missing_lines = {}, {}
local index, ordinal = with_records and 10 or 5, 0
local last_arg = #ARGV
while index <= last_arg do
  local handle, token = ARGV[index], ARGV[index + 1]
  local form, at = every_form, index + 2
  if form ~= '' then
    index = at
  elseif with_records then
    form, at = ARGV[at], at + 1
    index = at + form_size[form]
  else
    index = at
  end
  ordinal = ordinal + 1
  local message_key = KEYS[6 + ordinal]
  -- 99: "c", a compact lease's token (compact_lease_member, common.lua), tested here before any call.
  local member, count = nil, nil
  if byte(token, 1) == 99 then member, count = compact_lease_member(handle, token) end
  if member and form == '' then
    local at_compact = #compact_members + 1
    compact_members[at_compact], compact_handles[at_compact], compact_keys_at[at_compact], compact_counts[at_compact] = member, handle, message_key, count
  else
    -- The lease's fields and the ordering and dedupe keys; the record's only when an ack of the call carries one (a
    -- reply's every value costs the script a table slot).
    local fields, live
    if with_records then
      fields = redis.call('HMGET', message_key, 'n', 'l', 'ok', 'dk', 'rm', 'rs', 'x', 'id', 'h')
    else
      fields = redis.call('HMGET', message_key, 'n', 'l', 'ok', 'dk')
    end
    if member then
      -- A compact lease with a record (rare: one taken without records, acked with one): live while the message still
      -- holds the count before it (every hand-back writes the lease's own); its count is the member's.
      live = compact_lease_live(fields[1], count)
      fields[1] = count
    else
      -- A stale lease (nacked, reclaimed, or expired and taken again) leaves the message alone; so does a second ack in
      -- one batch. The lease mark (`l`, common.lua) answers "still leased with this token" in the read made anyway.
      live = fields[1] == token and fields[2] == token
    end
    if live and not seen[handle] then
      seen[handle] = true
      local taken = #done_handles + 1
      done_handles[taken], done_keys[taken], done_fields[taken], done_forms[taken], done_ats[taken] = handle, message_key, fields, form, at
      if member then record_compact_members[#record_compact_members + 1] = member end
      if fields[3] or fields[4] then
        local extra = {}
        if fields[4] then extra.dedupe_holder = redis.call('HGET', dedupe_key, fields[4]) end
        if fields[3] then
          extra.line_key = base .. 'o:' .. fields[3]
          -- Only a line's head is ever leased, so the next one is second in line.
          local line = redis.call('LRANGE', extra.line_key, '0', '1')
          if not line[1] and not declared_key(extra.line_key, 7) then
            -- No line where one must be: on a Cluster, perhaps still on the node the slot is leaving (declared_key, common.lua).
            missing_lines[#missing_lines + 1] = extra.line_key
          end
          local next_handle = line[2]
          if next_handle then
            local next_fields = redis.call('HMGET', base .. 'm:' .. next_handle, 'at', 'pri')
            extra.next = { handle = next_handle, at = tonumber(next_fields[1]), priority = tonumber(next_fields[2]) }
          end
        end
        keyed[taken] = extra
      end
    end
  end
end
if #missing_lines > 0 then return { missing_lines } end

-- Writes. One ZREM takes every taken ack's lease off `leased`: the compact acks without a record (`compact_*`, taken by
-- it) and the others (`done_*`, checked above); `leased`, which it may empty (delete), is not touched again. When it
-- removes fewer than all (a stale compact ack, one ack twice, a lease parked elsewhere), a compact ack is live when its
-- message still holds the count before its lease (compact_lease_live, common.lua), and every taken ack's member goes
-- from wherever it waits: parked in orphans while its hash was away (receive.lua) or by a release before 2026-12-06
-- that took a compact lease for a missing hash, or put back by a release before 141de82, whose reclaim left the mark.
-- Its holder finished the job, so it goes with its message rather than stay behind without one. The message keys
-- are declared, so the reads after this write cannot meet a slot half moved.
-- (A compact lease with a record adds its member beside its handle, which `leased` does not hold: such a call takes
-- the reading path below.)
local removing = done_handles
if #done_handles == 0 then
  removing = compact_members
elseif #compact_members > 0 or #record_compact_members > 0 then
  removing = {}
  for _, list in ipairs({ compact_members, record_compact_members, done_handles }) do
    for _, member in ipairs(list) do removing[#removing + 1] = member end
  end
end
local compact_keys = {}
-- Taken members the ZREM did not find in `leased`: removed from the other sets last (see below).
local elsewhere = {}
if #removing > 0 then
  local all_removed = redis.call('ZREM', leased_key, unpack(removing)) == #removing
  for at = 1, #compact_counts do
    local handle, message_key = compact_handles[at], compact_keys_at[at]
    if (all_removed or compact_lease_live(redis.call('HGET', message_key, 'n'), compact_counts[at])) and not seen[handle] then
      seen[handle] = true
      compact_keys[#compact_keys + 1] = message_key
      if not all_removed then elsewhere[#elsewhere + 1] = compact_members[at] end
    end
  end
  if not all_removed then
    for _, list in ipairs({ done_handles, record_compact_members }) do
      for _, member in ipairs(list) do elsewhere[#elsewhere + 1] = member end
    end
  end
end
local scheduled = false
local index_batch = record_index_batch()
for taken, handle in ipairs(done_handles) do
  local fields, form, at = done_fields[taken], done_forms[taken], done_ats[taken]
  local extra = keyed[taken]
  if extra then
    if fields[4] and extra.dedupe_holder == handle then redis.call('HDEL', dedupe_key, fields[4]) end
    if extra.line_key then
      redis.call('LREM', extra.line_key, 1, handle)
      local next = extra.next
      if next then
        redis.call('HINCRBY', meta_key, 'waiting', '-1')
        if next.at then
          schedule(ready_key, delayed_key, next.handle, next.at, now, next.priority)
        else
          -- Its hash is missing: receive.lua parks such a handle in orphans rather than losing it.
          redis.call('ZADD', orphans_key, '0', next.handle)
        end
        scheduled = true
      end
    end
  end
  -- A short form's record is the message's own job's (its id read here: nil, no record, in a hash without one), or an "r" ack's.
  local id = form == 'r' and ARGV[at] or fields[8]
  if form ~= '' and form ~= 'f' and id then
    local state, value, finished, ttl = shared_state, ARGV[at], ARGV[at + 1], shared_ttl
    if form == 'S' then
      value, finished = shared_value, shared_finished
    elseif form == 'r' then
      state, value, finished, ttl = ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], ARGV[at + 4]
    end
    local result, error = '', ''
    if state == 'succeeded' then result = value else error = value end
    -- The attempt a short form leaves to the message: its deliveries not handed back uncounted.
    local attempt = fields[9] and tostring(tonumber(fields[1]) - tonumber(fields[9])) or fields[1]
    -- The claim rode in the message, no cancel was asked and no record write came since: the record need not be read.
    -- Only the message's own job's record rides: an "r" ack's job id comes from the body, which a raw enqueue may point elsewhere.
    if fields[5] and fields[6] and fields[7] ~= '1' and fields[8] == id and record_finished[state] then
      record_settle_riding(index_batch, record_prefix .. id, state, attempt, result, error, finished, ttl, record_channel, id, fields[6], fields[5] == '2')
    else
      -- The claim was taken back (a hold, a cancel, a write of its own): the record speaks for itself.
      record_settle(index_batch, record_prefix .. id, false, '', '', state, attempt, result, error, finished, '', ttl, record_channel, id)
    end
  elseif form == 'f' then
    id = ARGV[at]
    record_settle(index_batch, record_prefix .. id, ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], ARGV[at + 4], ARGV[at + 5], ARGV[at + 6], ARGV[at + 7], ARGV[at + 8], ARGV[at + 9], ARGV[at + 10], record_channel, id)
  end
end

-- The finished records' index entries, one ZADD and one trim per state for the batch.
record_index_flush(index_batch)
-- The taken members found outside `leased` go from `ready`, `delayed` and `orphans` only now, after the loop's
-- writes to those sets (an ordering line's next message scheduled, a missing one parked): removing first could empty
-- and delete a set the loop then writes to, which a slot being migrated refuses half way through the script.
if #elsewhere > 0 then
  for _, key in ipairs({ ready_key, delayed_key, orphans_key }) do redis.call('ZREM', key, unpack(elsewhere)) end
end
-- One DEL for the batch's messages (at most 1000 acks per call).
for _, key in ipairs(compact_keys) do done_keys[#done_keys + 1] = key end
if #done_keys > 0 then redis.call('DEL', unpack(done_keys)) end
if scheduled then redis.call('PUBLISH', ARGV[2], '') end
return #done_handles + #compact_keys

--[[
Removes leased messages for good; a stale lease (expired and taken again, or
nacked) makes its entry a no-op. Releases dedupe keys and lets the next
message behind each ordering key become eligible.
Reads all come before the first write, so a script stopped by a slot
migration (a key moved away) has changed nothing; the acked messages' hashes
are declared, so a half-moved slot answers TRYAGAIN instead.
KEYS[1] ready, KEYS[2] delayed, KEYS[3] leased, KEYS[4] meta, KEYS[5] dedupe, KEYS[6] orphans,
KEYS[7..] the message hash of each pair in ARGV, in order
ARGV[1] base, ARGV[2] wake-up channel, ARGV[3] record key prefix, or "" when no ack carries a record,
ARGV[4] record events channel,
ARGV[5..] per ack: handle, attempt, and with records eleven more: job id, job ("" for an ack without
  a record), queue, enqueued ms, state, attempt, result, error, finished ms, run-at ms (each "" when
  absent), ttl ms; the record is settled (record_settle in records.lua) only when its message is removed;
  without being read (record_settle_riding) when its claim rode in the message.
Returns: how many messages were removed.
]]
local ready_key, delayed_key, leased_key, meta_key, dedupe_key, orphans_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local base = ARGV[1]
local record_prefix, record_channel = ARGV[3], ARGV[4]
local first, stride = 5, record_prefix == '' and 2 or 13
local now = now_ms()

-- Reads.
local done, seen = {}, {}
for index = first, #ARGV, stride do
  local handle, attempt = ARGV[index], ARGV[index + 1]
  local message_key = KEYS[7 + (index - first) / stride]
  local fields = redis.call('HMGET', message_key, 'n', 'ok', 'dk', 'rm', 'rs', 'x', 'id')
  -- A stale lease (nacked, or expired and taken again) leaves the message alone; so does a second ack in one batch.
  if fields[1] == attempt and not seen[handle] and redis.call('ZSCORE', leased_key, handle) then
    seen[handle] = true
    local entry = { handle = handle, key = message_key, dedupe = fields[3], args = index }
    -- The claim rode in the message, no cancel was asked and no record write came since: the record need not be read.
    -- Only the message's own job's record rides: the ack's job id comes from the body, which a raw enqueue may point elsewhere.
    if stride == 13 and fields[4] and fields[5] and fields[6] ~= '1' and fields[7] == ARGV[index + 2] then entry.riding = { started = fields[5], clear_left = fields[4] == '2' } end
    if fields[3] then entry.dedupe_holder = redis.call('HGET', dedupe_key, fields[3]) end
    if fields[2] then
      entry.line_key = base .. 'o:' .. fields[2]
      -- Only a line's head is ever leased, so the next one is second in line.
      local next_handle = redis.call('LINDEX', entry.line_key, 1)
      if next_handle then
        local next_fields = redis.call('HMGET', base .. 'm:' .. next_handle, 'at', 'pri')
        entry.next = { handle = next_handle, at = tonumber(next_fields[1]), priority = tonumber(next_fields[2]) }
      end
    end
    done[#done + 1] = entry
  end
end

-- Writes.
local scheduled = false
local done_handles, done_keys = {}, {}
local index_batch = record_index_batch()
for _, entry in ipairs(done) do
  if entry.dedupe and entry.dedupe_holder == entry.handle then redis.call('HDEL', dedupe_key, entry.dedupe) end
  if entry.line_key then
    redis.call('LREM', entry.line_key, 1, entry.handle)
    if entry.next then
      redis.call('HINCRBY', meta_key, 'waiting', -1)
      if entry.next.at then
        schedule(ready_key, delayed_key, entry.next.handle, entry.next.at, now, entry.next.priority)
      else
        -- Its hash is missing: receive.lua parks such a handle in orphans rather than losing it.
        redis.call('ZADD', orphans_key, 0, entry.next.handle)
      end
      scheduled = true
    end
  end
  done_handles[#done_handles + 1] = entry.handle
  done_keys[#done_keys + 1] = entry.key
  local at = entry.args
  if stride == 13 and ARGV[at + 3] ~= '' then
    local id = ARGV[at + 2]
    if entry.riding and record_finished[ARGV[at + 6]] and ARGV[at + 11] == '' then
      record_settle_riding(index_batch, record_prefix .. id, ARGV[at + 3], ARGV[at + 4], ARGV[at + 5], ARGV[at + 6], ARGV[at + 7], ARGV[at + 8], ARGV[at + 9], ARGV[at + 10], ARGV[at + 12], record_channel, id, entry.riding.started, entry.riding.clear_left)
    else
      record_settle(index_batch, record_prefix .. id, ARGV[at + 3], ARGV[at + 4], ARGV[at + 5], ARGV[at + 6], ARGV[at + 7], ARGV[at + 8], ARGV[at + 9], ARGV[at + 10], ARGV[at + 11], ARGV[at + 12], record_channel, id)
    end
  end
end

-- The finished records' index entries, one ZADD and one trim per state for the batch.
record_index_flush(index_batch)
-- One ZREM and one DEL for the batch (at most 1000 acks per call).
if #done_handles > 0 then
  redis.call('ZREM', leased_key, unpack(done_handles))
  redis.call('DEL', unpack(done_keys))
end
if scheduled then redis.call('PUBLISH', ARGV[2], '') end
return #done_handles

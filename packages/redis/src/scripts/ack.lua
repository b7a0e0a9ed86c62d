--[[
Removes leased messages for good; a stale lease (expired and taken again, or
nacked) makes its entry a no-op. Releases dedupe keys and lets the next
message behind each ordering key become eligible.
KEYS[1] ready, KEYS[2] delayed, KEYS[3] leased, KEYS[4] meta, KEYS[5] dedupe
ARGV[1] base, ARGV[2] wake-up channel, ARGV[3..] pairs of handle, attempt
Returns: how many messages were removed.
]]
local ready_key, delayed_key, leased_key, meta_key, dedupe_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local base = ARGV[1]
local now = now_ms()
local scheduled = false

local done_handles, done_keys, seen = {}, {}, {}
for index = 3, #ARGV, 2 do
  local handle, attempt = ARGV[index], ARGV[index + 1]
  local message_key = base .. 'm:' .. handle
  local fields = redis.call('HMGET', message_key, 'n', 'ok', 'dk')
  -- A stale lease (nacked, or expired and taken again) leaves the message alone; so does a second ack in one batch.
  if fields[1] == attempt and not seen[handle] and redis.call('ZSCORE', leased_key, handle) then
    seen[handle] = true
    local ordering, dedupe = fields[2], fields[3]
    if dedupe and redis.call('HGET', dedupe_key, dedupe) == handle then redis.call('HDEL', dedupe_key, dedupe) end
    if ordering then
      local line_key = base .. 'o:' .. ordering
      redis.call('LREM', line_key, 1, handle)
      local next_handle = redis.call('LINDEX', line_key, 0)
      if next_handle then
        redis.call('HINCRBY', meta_key, 'waiting', -1)
        local next_fields = redis.call('HMGET', base .. 'm:' .. next_handle, 'at', 'pri')
        schedule(ready_key, delayed_key, next_handle, tonumber(next_fields[1]), now, tonumber(next_fields[2]))
        scheduled = true
      end
    end
    done_handles[#done_handles + 1] = handle
    done_keys[#done_keys + 1] = message_key
  end
end

-- One ZREM and one DEL for the batch (at most 1000 acks per call).
if #done_handles > 0 then
  redis.call('ZREM', leased_key, unpack(done_handles))
  redis.call('DEL', unpack(done_keys))
end
if scheduled then redis.call('PUBLISH', ARGV[2], '') end
return #done_handles

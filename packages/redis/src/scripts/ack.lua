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
local removed = 0
local scheduled = false

for index = 3, #ARGV, 2 do
  local handle, attempt = ARGV[index], ARGV[index + 1]
  if holds_lease(leased_key, base, handle, attempt) then
    local message_key = base .. 'm:' .. handle
    redis.call('ZREM', leased_key, handle)
    local keys = redis.call('HMGET', message_key, 'ok', 'dk')
    local ordering, dedupe = keys[1], keys[2]
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
    redis.call('DEL', message_key)
    removed = removed + 1
  end
end

if scheduled then redis.call('PUBLISH', ARGV[2], '') end
return removed

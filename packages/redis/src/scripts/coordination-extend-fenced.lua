--[[
Restarts a live holder's ttl on a fenced claim. Loaded after common.lua.
KEYS[1] the claim's hash (coordination-acquire-fenced.lua)
ARGV[1] holder, ARGV[2] ttl ms
Returns: 1 when renewed, 0 when the holder no longer holds the claim (released, expired, taken or committed).
]]
local key = KEYS[1]
local holder, ttl = ARGV[1], tonumber(ARGV[2])
local now = now_ms()
local state = redis.call('HMGET', key, 'h', 'x', 'c', 'k')
if state[1] ~= holder or state[3] == '1' or tonumber(state[2] or '0') <= now then return 0 end
redis.call('HSET', key, 'x', now + ttl)
if now + ttl > tonumber(state[4]) then
  redis.call('HSET', key, 'k', now + ttl)
  redis.call('PEXPIREAT', key, now + ttl)
end
return 1

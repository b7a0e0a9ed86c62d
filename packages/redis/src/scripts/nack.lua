--[[
Hands a leased message back: eligible again now, or after a delay. Keeps its
dedupe key and its place at the head of its ordering key. A stale lease is a no-op.
KEYS[1] ready, KEYS[2] delayed, KEYS[3] leased, KEYS[4] the message hash (declared, so a slot migration answers TRYAGAIN rather than a half-run script)
ARGV[1] base, ARGV[2] wake-up channel, ARGV[3] handle, ARGV[4] attempt, ARGV[5] delay ms
Returns: 1 when handed back, 0 when the lease was already lost.
]]
local ready_key, delayed_key, leased_key = KEYS[1], KEYS[2], KEYS[3]
local base, handle, attempt = ARGV[1], ARGV[3], ARGV[4]
if not holds_lease(leased_key, base, handle, attempt) then return 0 end
local now = now_ms()
local message_key = KEYS[4]
local at = now + tonumber(ARGV[5])
redis.call('ZREM', leased_key, handle)
redis.call('HSET', message_key, 'at', at)
schedule(ready_key, delayed_key, handle, at, now, tonumber(redis.call('HGET', message_key, 'pri')))
redis.call('PUBLISH', ARGV[2], '')
return 1

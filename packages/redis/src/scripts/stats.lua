--[[
Counts one queue's messages as a receive would see them now: due delayed
messages and expired leases count as ready.
KEYS[1] ready, KEYS[2] delayed, KEYS[3] leased, KEYS[4] meta
ARGV: none
Returns: { ready, delayed, inFlight }
]]
local ready_key, delayed_key, leased_key, meta_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now = now_ms()
local due = redis.call('ZCOUNT', delayed_key, '-inf', now)
local expired = redis.call('ZCOUNT', leased_key, '-inf', now)
local waiting = tonumber(redis.call('HGET', meta_key, 'waiting') or '0')
return {
  redis.call('ZCARD', ready_key) + waiting + due + expired,
  redis.call('ZCARD', delayed_key) - due,
  redis.call('ZCARD', leased_key) - expired,
}

--[[
Takes a fenced claim for ARGV[1] unless another live holder holds it or it was
committed. A holder that is not the key's last one gets the next token; the
last holder taking it again keeps its token. Loaded after common.lua.
KEYS[1] the claim's hash: h (last holder), t (its token), x (its expiry, server ms),
        c ("1" once committed), k (when the key expires, server ms)
ARGV[1] holder, ARGV[2] ttl ms, ARGV[3] keep ms
Returns: { 1 when the holder now holds the claim else 0, its token or 0, 1 when committed else 0 }
]]
local key = KEYS[1]
local holder, ttl, keep = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
local state = redis.call('HMGET', key, 'h', 't', 'x', 'c', 'k')
local last, token, expiry, committed, keep_until = state[1], tonumber(state[2] or '0'), tonumber(state[3] or '0'), state[4], tonumber(state[5] or '0')
if committed == '1' then return { 0, 0, 1 } end
if last and last ~= holder and expiry > now then return { 0, 0, 0 } end
if last ~= holder then token = token + 1 end
keep_until = math.max(keep_until, now + keep, now + ttl)
redis.call('HSET', key, 'h', holder, 't', token, 'x', now + ttl, 'k', keep_until)
redis.call('PEXPIREAT', key, keep_until)
return { 1, token, 0 }

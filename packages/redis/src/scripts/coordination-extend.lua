--[[
Restarts a live holder's ttl on a coordination key. Loaded after common.lua.
KEYS[1] the key's zset: holder -> expiry, server ms
ARGV[1] holder, ARGV[2] ttl ms
Returns: 1 when renewed, 0 when the holder no longer holds the key.
]]
local key = KEYS[1]
local holder, ttl = ARGV[1], tonumber(ARGV[2])
local now = now_ms()
local expiry = redis.call('ZSCORE', key, holder)
if not expiry or tonumber(expiry) <= now then return 0 end
redis.call('ZADD', key, now + ttl, holder)
local latest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', key, tonumber(latest[2]))
return 1

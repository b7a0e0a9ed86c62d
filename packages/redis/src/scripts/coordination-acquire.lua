--[[
Makes ARGV[1] one of the holders of a coordination key unless ARGV[2] live
holders hold it already; a current holder is renewed. Expired holders are
dropped first. Loaded after common.lua (for now_ms).
KEYS[1] the key's zset: holder -> expiry, server ms
ARGV[1] holder, ARGV[2] limit, ARGV[3] ttl ms
Returns: { 1 when the holder now holds the key else 0, live holders... }
]]
local key = KEYS[1]
local holder, limit, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
local acquired = 0
if redis.call('ZSCORE', key, holder) or redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now + ttl, holder)
  acquired = 1
end
local latest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
-- The key lives as long as its longest-lived holder, so abandoned keys vanish.
if latest[2] then redis.call('PEXPIREAT', key, tonumber(latest[2])) end
local result = { acquired }
for _, member in ipairs(redis.call('ZRANGE', key, 0, -1)) do result[#result + 1] = member end
return result

--[[
Sets one member's entry of a coordination key, live for ARGV[3] ms, and drops
the key's expired entries. Loaded after common.lua (for now_ms).
KEYS[1] the key's hash: member -> "<expiry, server ms>:<value>"
ARGV[1] member, ARGV[2] value, ARGV[3] ttl ms
Returns: 1
]]
local key = KEYS[1]
local member, value, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now = now_ms()
local latest = now + ttl
redis.call('HSET', key, member, string.format('%d', latest) .. ':' .. value)
local fields = redis.call('HGETALL', key)
for index = 1, #fields, 2 do
  local expires = tonumber(string.match(fields[index + 1], '^(%d+):'))
  if expires <= now then redis.call('HDEL', key, fields[index])
  elseif expires > latest then latest = expires end
end
-- The key lives as long as its longest-lived entry, so an abandoned roster vanishes.
redis.call('PEXPIREAT', key, latest)
return 1

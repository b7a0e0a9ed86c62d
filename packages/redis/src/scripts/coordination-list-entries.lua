--[[
The live entries of a coordination key (see coordination-put-entry.lua);
expired ones are dropped. Loaded after common.lua (for now_ms).
KEYS[1] the key's hash: member -> "<expiry, server ms>:<value>"
Returns: { member, value, member, value, ... }
]]
local key = KEYS[1]
local now = now_ms()
local result = {}
local fields = redis.call('HGETALL', key)
for index = 1, #fields, 2 do
  local stored = fields[index + 1]
  local separator = string.find(stored, ':', 1, true)
  local expires = tonumber(string.sub(stored, 1, separator - 1))
  if expires <= now then
    redis.call('HDEL', key, fields[index])
  else
    result[#result + 1] = fields[index]
    result[#result + 1] = string.sub(stored, separator + 1)
  end
end
return result

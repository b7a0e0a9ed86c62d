--[[
Raises a mark to ARGV[1] when that is larger (or sets it when absent).
KEYS[1] the mark (a string holding an integer)
ARGV[1] value (an integer, as text)
Returns: the stored value afterwards, as text (Lua numbers would lose digits as Redis integers).
]]
local stored = redis.call('GET', KEYS[1])
if not stored or tonumber(ARGV[1]) > tonumber(stored) then
  redis.call('SET', KEYS[1], ARGV[1])
  return ARGV[1]
end
return stored

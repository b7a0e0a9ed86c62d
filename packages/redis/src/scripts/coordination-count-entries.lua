--[[
How many live entries a coordination key has (see coordination-put-entry.lua):
the hash's length, once expired entries are dropped (only when one did expire).
KEYS[1] the key's hash
Returns: the count
]]
local key = KEYS[1]
local bound = sweep_entries(key, now_ms())
local fields = redis.call('HLEN', key)
if bound == nil then return fields end
return fields - 1

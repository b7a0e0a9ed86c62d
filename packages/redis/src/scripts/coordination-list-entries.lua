--[[
The live entries of a coordination key (see coordination-put-entry.lua);
expired ones are dropped. Loaded after common.lua (for now_ms, sweep_entries).
KEYS[1] the key's hash: member -> "<expiry, server ms>:<value>", and the sweep bound
Returns: { member, value, member, value, ... }
]]
local key = KEYS[1]
sweep_entries(key, now_ms())
local result = {}
local fields = redis.call('HGETALL', key)
for index = 1, #fields, 2 do
  if fields[index] ~= ENTRIES_SWEEP_AT then
    local stored = fields[index + 1]
    local separator = string.find(stored, ':', 1, true)
    result[#result + 1] = fields[index]
    result[#result + 1] = string.sub(stored, separator + 1)
  end
end
return result

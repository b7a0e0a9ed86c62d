--[[
Sets one member's entry of a coordination key, live for ARGV[3] ms. Reads no
other entry unless one expired (see sweep_entries in common.lua), so a put
costs the same in a key of ten entries and of a hundred thousand.
KEYS[1] the key's hash: member -> "<expiry, server ms>:<value>", and the sweep bound
ARGV[1] member, ARGV[2] value, ARGV[3] ttl ms, ARGV[4] "1" when ARGV[5] is a value a live entry keeps (`unless`)
Returns: 1, or 0 when the entry was kept
]]
local key = KEYS[1]
local member, value, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now = now_ms()
local expires = now + ttl
local bound = sweep_entries(key, now)
if ARGV[4] == '1' then
  -- After the sweep, a field still there is a live entry (or a held one).
  local current = redis.call('HGET', key, member)
  if current and string.sub(current, string.find(current, ':', 1, true) + 1) == ARGV[5] then return 0 end
end
redis.call('HSET', key, member, string.format('%d', expires) .. ':' .. value)
if bound == nil or expires < bound then
  -- A held key's bound never moves before its hold.
  local _, hold = entries_sweep_state(key)
  redis.call('HSET', key, ENTRIES_SWEEP_AT, entries_bound(hold ~= nil and math.max(expires, hold) or expires, hold))
end
-- The key lives as long as its longest-lived entry, so an abandoned roster vanishes.
redis.call('PEXPIREAT', key, math.max(expires, redis.call('PEXPIRETIME', key)))
return 1

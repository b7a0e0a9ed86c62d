--[[
Holds a coordination key (see coordination-put-entry.lua): no entry of it is
swept until the hold ends. The hold is kept in the sweep bound's field, and the
bound moved to it, so it costs the same in a key of ten entries and of a
hundred thousand. Entries that expired before the hold are dropped first,
never brought back.
KEYS[1] the key's hash
ARGV[1] ttl ms
Returns: 1
]]
local key = KEYS[1]
local now = now_ms()
local earliest = sweep_entries(key, now)
local _, hold = entries_sweep_state(key)
local held_until = now + tonumber(ARGV[1])
if hold ~= nil and hold >= held_until then return 1 end
redis.call('HSET', key, ENTRIES_SWEEP_AT, entries_bound(math.max(earliest or held_until, held_until), held_until))
redis.call('PEXPIREAT', key, math.max(held_until, redis.call('PEXPIRETIME', key)))
return 1

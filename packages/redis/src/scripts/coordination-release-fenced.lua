--[[
Lets go of a fenced claim held by ARGV[1], keeping its token and its commit.
KEYS[1] the claim's hash (coordination-acquire-fenced.lua)
ARGV[1] holder
Returns: 1 when released, 0 when the holder did not hold it.
]]
if redis.call('HGET', KEYS[1], 'h') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'x', 0)
return 1

--[[
Stores a running job's progress; the ttl stays as the start set it.
KEYS[1] the record hash (fields: see records.lua)
ARGV[1] progress (JSON text), ARGV[2] events channel, ARGV[3] job id
Returns: 1 when stored, 0 when the record is missing or not running
]]
if redis.call('HGET', KEYS[1], 's') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'p', ARGV[1])
local job, queue, attempt = unpack(redis.call('HMGET', KEYS[1], 'j', 'q', 'a'))
redis.call('PUBLISH', ARGV[2], cjson.encode({ id = ARGV[3], job = job, queue = queue, state = 'running', attempt = tonumber(attempt), progress = ARGV[1] }))
return 1

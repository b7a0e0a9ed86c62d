--[[
Moves a job's record to running (creating it when missing), unless it is
cancelled or its cancel was asked while an earlier copy ran: then nothing
changes and the job must not run.
KEYS[1] the record hash (fields: see record-insert.lua)
ARGV[1] job, ARGV[2] queue, ARGV[3] enqueued ms, ARGV[4] attempt, ARGV[5] started ms, ARGV[6] ttl ms,
ARGV[7] events channel, ARGV[8] job id
Returns: 1 when running, 0 when cancelled
]]
local key = KEYS[1]
local state = redis.call('HGET', key, 's')
if state == 'cancelled' or redis.call('HGET', key, 'x') == '1' then return 0 end
if not state then redis.call('HSET', key, 'j', ARGV[1], 'q', ARGV[2], 'ea', ARGV[3]) end
redis.call('HSET', key, 's', 'running', 'a', ARGV[4], 'sa', ARGV[5])
redis.call('HDEL', key, 'fa', 'ra')
redis.call('PEXPIRE', key, ARGV[6])
local job, queue = unpack(redis.call('HMGET', key, 'j', 'q'))
redis.call('PUBLISH', ARGV[7], cjson.encode({ id = ARGV[8], job = job, queue = queue, state = 'running', attempt = tonumber(ARGV[4]) }))
return 1

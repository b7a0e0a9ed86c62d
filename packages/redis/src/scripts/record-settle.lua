--[[
Ends an attempt: a finished state, or retrying with its run-at. Creates the
record when missing; a cancelled record stays as it is.
KEYS[1] the record hash (fields: see record-insert.lua)
ARGV[1] job, ARGV[2] queue, ARGV[3] enqueued ms, ARGV[4] state, ARGV[5] attempt,
ARGV[6] result or "", ARGV[7] error or "", ARGV[8] finished ms or "", ARGV[9] run-at ms or "", ARGV[10] ttl ms,
ARGV[11] events channel, ARGV[12] job id
Returns: 1 when written, 0 when the record is cancelled
]]
local key = KEYS[1]
local state = redis.call('HGET', key, 's')
if state == 'cancelled' then return 0 end
if not state then redis.call('HSET', key, 'j', ARGV[1], 'q', ARGV[2], 'ea', ARGV[3]) end
redis.call('HSET', key, 's', ARGV[4], 'a', ARGV[5])
local optional = { { 'r', ARGV[6] }, { 'e', ARGV[7] }, { 'fa', ARGV[8] }, { 'ra', ARGV[9] } }
for _, pair in ipairs(optional) do
  if pair[2] == '' then redis.call('HDEL', key, pair[1]) else redis.call('HSET', key, pair[1], pair[2]) end
end
redis.call('PEXPIRE', key, ARGV[10])
local job, queue = unpack(redis.call('HMGET', key, 'j', 'q'))
redis.call('PUBLISH', ARGV[11], cjson.encode({ id = ARGV[12], job = job, queue = queue, state = ARGV[4], attempt = tonumber(ARGV[5]) }))
return 1

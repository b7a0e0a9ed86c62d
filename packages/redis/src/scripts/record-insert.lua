--[[
Creates a job's record as waiting, unless it has one (a worker may have
written first). Record hash fields: j job, q queue, s state, a attempt,
p progress, r result, e error (JSON text), ea enqueued, sa started,
fa finished, ra run-at (epoch ms), x "1" once a cancel was asked while it ran.
KEYS[1] the record hash
ARGV[1] job, ARGV[2] queue, ARGV[3] enqueued ms, ARGV[4] run-at ms or "", ARGV[5] ttl ms,
ARGV[6] events channel, ARGV[7] job id
Publishes { id, job, queue, state, attempt } on the channel when it creates the record (so does every record script on a change).
Returns: 1 when created, 0 when a record existed
]]
local key = KEYS[1]
if redis.call('EXISTS', key) == 1 then return 0 end
redis.call('HSET', key, 'j', ARGV[1], 'q', ARGV[2], 'ea', ARGV[3], 's', 'waiting', 'a', '0')
if ARGV[4] ~= '' then redis.call('HSET', key, 'ra', ARGV[4]) end
redis.call('PEXPIRE', key, ARGV[5])
redis.call('PUBLISH', ARGV[6], cjson.encode({ id = ARGV[7], job = ARGV[1], queue = ARGV[2], state = 'waiting', attempt = 0 }))
return 1

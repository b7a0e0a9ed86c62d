--[[
Cancels a waiting, held (held:<reason>) or retrying job; marks a running one (x = "1") for its
worker to stop; a finished one is refused.
KEYS[1] the record hash (fields: see records.lua)
ARGV[1] now ms (the finished time), ARGV[2] ttl ms, ARGV[3] events channel, ARGV[4] job id
Returns: { "cancelled" }, { "requested" }, { "refused", state } or { "unknown" }
]]
local key = KEYS[1]
local state = redis.call('HGET', key, 's')
if not state then return { 'unknown' } end
if state == 'cancelled' then return { 'cancelled' } end
if state == 'running' then
  redis.call('HSET', key, 'x', '1')
  return { 'requested' }
end
if state ~= 'waiting' and state ~= 'retrying' and string.sub(state, 1, 5) ~= 'held:' then return { 'refused', state } end
redis.call('HSET', key, 's', 'cancelled', 'fa', ARGV[1])
redis.call('PEXPIRE', key, ARGV[2])
record_reindex(key, ARGV[4], state, 'cancelled', ARGV[1], ARGV[2])
local job, queue, attempt = unpack(redis.call('HMGET', key, 'j', 'q', 'a'))
redis.call('PUBLISH', ARGV[3], cjson.encode({ id = ARGV[4], job = job, queue = queue, state = 'cancelled', attempt = tonumber(attempt) }))
return { 'cancelled' }

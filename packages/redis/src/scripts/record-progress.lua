--[[
Stores a running job's progress; the ttl stays as the start set it.
KEYS[1] the record hash (fields: see records.lua)
ARGV[1] progress (JSON text), ARGV[2] events channel, ARGV[3] job id
Returns: 1 when stored, 0 when the record is missing or not running
]]
local fields = record_read(KEYS[1], { 's', 'j', 'q', 'a', 'm' })
-- Running as the record says, or as its message does when the claim rode there (records.lua).
local claim = fields.s ~= 'running' and record_riding_claim(fields, ARGV[3])
if fields.s ~= 'running' and not claim then return 0 end
redis.call('HSET', KEYS[1], 'p', ARGV[1])
record_publish(ARGV[2], ARGV[3], fields.j, fields.q, 'running', claim and claim.attempt or fields.a, ARGV[1])
return 1

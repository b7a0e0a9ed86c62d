--[[
Marks a running job's record hung: its attempt passed its timeout and ignores its signal. Stores the error the core
wrote; the state stays running and the ttl as the start set it.
KEYS[1] the record hash (fields: see records.lua)
ARGV[1] error (JSON text), ARGV[2] events channel, ARGV[3] job id, ARGV[4] the attempt that hangs, ARGV[5] job name,
ARGV[6] queue
Returns: 1 when stored, 0 when the record is missing, not running, running another attempt, or another job's
]]
local fields = record_read(KEYS[1], { 's', 'j', 'q', 'a', 'm' })
-- A write naming another job or queue than the record's is not that record's (a crafted envelope).
if fields.j ~= ARGV[5] or fields.q ~= ARGV[6] then return 0 end
-- Running as the record says, or as its message does when the claim rode there (records.lua).
local claim = fields.s ~= 'running' and record_riding_claim(fields, ARGV[3])
if fields.s ~= 'running' and not claim then return 0 end
local attempt = claim and claim.attempt or tonumber(fields.a)
if attempt ~= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], 'e', ARGV[1])
-- The record now holds an error that a short (riding) ack of a success must clear, as after any other write (rm "2").
if claim then redis.call('HSET', fields.m, 'rm', '2') end
if record_is_listened(ARGV[2]) then
  redis.call('PUBLISH', ARGV[2], cjson.encode({ id = ARGV[3], job = fields.j, queue = fields.q, state = 'running', attempt = attempt, hung = true }))
end
return 1

--[[
Moves a job's record to running (creating it when missing), unless it is
cancelled or its cancel was asked while an earlier copy ran: then nothing
changes and the job must not run.
KEYS[1] the record hash (fields: see records.lua)
ARGV[1] job, ARGV[2] queue, ARGV[3] enqueued ms, ARGV[4] attempt, ARGV[5] started ms, ARGV[6] ttl ms,
ARGV[7] events channel, ARGV[8] job id
Returns: 1 when running (or the record is another queue's or job's, left alone), 0 when cancelled
]]
-- 2 (another job's record, left alone) reads as running: the job runs, records never decide its fate.
return math.min(1, math.max(0, record_start(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8])))

--[[
Ends an attempt: a finished state, or retrying with its run-at. Creates the
record when missing; a cancelled record stays as it is.
KEYS[1] the record hash (fields: see records.lua)
ARGV[1] job, ARGV[2] queue, ARGV[3] enqueued ms, ARGV[4] state, ARGV[5] attempt,
ARGV[6] result or "", ARGV[7] error or "", ARGV[8] finished ms or "", ARGV[9] run-at ms or "", ARGV[10] ttl ms,
ARGV[11] events channel, ARGV[12] job id
Returns: 1 when written, 0 when the record is cancelled
]]
local index_batch = record_index_batch()
local written = record_settle(index_batch, KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12])
record_index_flush(index_batch)
return written

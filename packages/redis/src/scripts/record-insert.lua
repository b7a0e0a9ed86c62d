--[[
Creates a job's record as waiting, unless it has one (a worker may have
written first). Record hash fields: see records.lua.
KEYS[1] the record hash
ARGV[1] job, ARGV[2] queue, ARGV[3] enqueued ms, ARGV[4] run-at ms or "", ARGV[5] ttl ms,
ARGV[6] events channel, ARGV[7] job id, ARGV[8] batch id or "", ARGV[9] parent job id or "",
ARGV[10] args text or ""
Publishes { id, job, queue, state, attempt } on the channel when it creates the record (so does every record script on a change).
Returns: 1 when created, 0 when a record existed
]]
return (record_insert(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]))

--[[
Forgets a job's record (a discarded dead letter's), and its place in its state's index.
KEYS[1] the record hash (fields: see records.lua)
ARGV[1] job id
Returns: 1 when a record was removed, 0 when there was none
]]
local state = redis.call('HGET', KEYS[1], 's')
if not state then return 0 end
if record_one_node and record_finished[state] then redis.call('ZREM', record_index_key(KEYS[1], ARGV[1], state), ARGV[1]) end
return redis.call('DEL', KEYS[1])

--[[
Cancels a waiting, held (held:<reason>) or retrying job; marks a running one (x = "1") for its
worker to stop; a finished one is refused.
KEYS[1] the record hash (fields: see records.lua)
ARGV[1] now ms (the finished time), ARGV[2] ttl ms, ARGV[3] events channel, ARGV[4] job id
Returns: { "cancelled" }, { "requested" }, { "refused", state } or { "unknown" }
]]
local key = KEYS[1]
local fields = record_read(key, { 's', 'j', 'q', 'a', 'u', 'm' })
local state = fields.s
if not state then return { 'unknown' } end
if state == 'cancelled' then return { 'cancelled' } end
-- A record whose claim rode in its message is running when the message says so; the message gets the mark
-- too, so no later claim of it starts the job (records.lua).
if state == 'running' or record_riding_claim(fields, ARGV[4]) then
  redis.call('HSET', key, 'x', '1')
  record_mark_message_cancelled(fields, ARGV[4])
  return { 'requested' }
end
if state ~= 'waiting' and state ~= 'retrying' and string.sub(state, 1, 5) ~= 'held:' then return { 'refused', state } end
record_mark_message_cancelled(fields, ARGV[4])
local sets, dels = { 's', 'cancelled', 'fa', ARGV[1] }, {}
local kept = record_expiry_marker(fields, 'cancelled', ARGV[2], sets, dels)
record_write(key, sets, dels)
record_expire(key, fields, ARGV[2], kept)
local index_batch = record_index_batch()
record_reindex(index_batch, key, ARGV[4], state, 'cancelled', ARGV[1], ARGV[2])
record_index_flush(index_batch)
record_publish(ARGV[3], ARGV[4], fields.j, fields.q, 'cancelled', fields.a)
return { 'cancelled' }

--[[
Hands a leased message back: eligible again now, or after a delay. Keeps its
dedupe key and its place at the head of its ordering key. A stale lease is a no-op.
KEYS[1] ready, KEYS[2] delayed, KEYS[3] leased, KEYS[4] the message hash (declared, so a slot migration answers TRYAGAIN rather than a half-run script)
ARGV[1] base, ARGV[2] wake-up channel, ARGV[3] handle, ARGV[4] lease token (the delivery count), ARGV[5] delay ms,
ARGV[6] "1" when this delivery is not to count as an attempt (a job that never started), else "0",
ARGV[7] (optional) the body the message comes back with (an iterable job's cursor), written in place so the message
  keeps its id, keys and place at the head of its line
Returns: 1 when handed back, 0 when the lease was already lost.
An uncounted hand-back adds to `h`, which receive.lua subtracts from the delivery count; `n` (the lease
token) still only grows, so a late ack, nack or extend of this delivery stays a no-op.
The lease mark `l` (common.lua) goes with the lease. So does a claim that rode in the message (`rs`, records.lua)
when the job never started (an uncounted hand-back): its record reads `waiting` again. A started job's claim stays, as
a record key the claim wrote would (`running` until the next claim); a retry or hold wrote its own state and took the
claim before this.
A compact lease (token "c<n>", common.lua) writes its delivery count n into the message as it goes: the message held
the count before this delivery.
]]
local ready_key, delayed_key, leased_key = KEYS[1], KEYS[2], KEYS[3]
local base, handle, attempt = ARGV[1], ARGV[3], ARGV[4]
local member, count = holds_lease(leased_key, base, handle, attempt)
if not member then return 0 end
local now = now_ms()
local message_key = KEYS[4]
local at = now + tonumber(ARGV[5])
redis.call('ZREM', leased_key, member)
if count then
  redis.call('HSET', message_key, 'at', integer_text(at), 'n', count)
else
  redis.call('HSET', message_key, 'at', integer_text(at))
end
if ARGV[7] then redis.call('HSET', message_key, 'body', ARGV[7]) end
if ARGV[6] == '1' then
  redis.call('HINCRBY', message_key, 'h', '1')
  redis.call('HDEL', message_key, 'l', 'rs')
else
  redis.call('HDEL', message_key, 'l')
end
schedule(ready_key, delayed_key, handle, at, now, tonumber(redis.call('HGET', message_key, 'pri')))
redis.call('PUBLISH', ARGV[2], '')
return 1

--[[
Restarts a lease that is still held: the message stays leased for `lease ms` from now.
KEYS[1] leased, KEYS[2] the message hash (declared: during a slot migration Redis answers TRYAGAIN rather than "lost")
ARGV[1] base, ARGV[2] handle, ARGV[3] attempt, ARGV[4] lease ms, ARGV[5] the caller's reckoning of the server's
time (ms), by which the lease has run out when it is earlier than the server's clock (common.lua, `lapse_time`), or ""
ARGV[3] is the lease token: the delivery count, or a compact lease's "c<n>" (common.lua).
Returns: the server's time (ms, never 0) when extended, 0 when the lease was lost or had already run out.
]]
local leased_key = KEYS[1]
local base, handle, attempt = ARGV[1], ARGV[2], ARGV[3]
local member = holds_lease(leased_key, base, handle, attempt)
if not member then return 0 end
local now = now_ms()
if tonumber(redis.call('ZSCORE', leased_key, member)) < lapse_time(now, ARGV[5]) then return 0 end
redis.call('ZADD', leased_key, 'XX', integer_text(now + tonumber(ARGV[4])), member)
return now

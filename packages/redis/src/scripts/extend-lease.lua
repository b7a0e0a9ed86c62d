--[[
Restarts a lease that is still held: the message stays leased for `lease ms` from now.
KEYS[1] leased, KEYS[2] the message hash (declared: during a slot migration Redis answers TRYAGAIN rather than "lost")
ARGV[1] base, ARGV[2] handle, ARGV[3] attempt, ARGV[4] lease ms
ARGV[3] is the lease token: the delivery count, or a compact lease's "c<n>" (common.lua).
Returns: 1 when extended, 0 when the lease was lost or had already run out.
]]
local leased_key = KEYS[1]
local base, handle, attempt = ARGV[1], ARGV[2], ARGV[3]
local member = holds_lease(leased_key, base, handle, attempt)
if not member then return 0 end
local now = now_ms()
if tonumber(redis.call('ZSCORE', leased_key, member)) < now then return 0 end
redis.call('ZADD', leased_key, 'XX', integer_text(now + tonumber(ARGV[4])), member)
return 1

--[[
One step of a rate limit's bucket (GCRA). The bucket is the theoretical
arrival time (TAT): when it would be full again, in server microseconds
(microseconds so that 200 per second and 3 per second stay exact). Mirrors
stepRateSlot in @hopper/core. Loaded after common.lua.
KEYS[1] the bucket: string, TAT in server µs; expires when the bucket is full again
ARGV[1] interval µs (> 0), ARGV[2] burst (≥ 1), ARGV[3] longest wait that still takes a slot, µs
Returns: { 1 when a slot was taken else 0, µs until that slot (or the next free one) starts,
  the server time in µs the decision was made at }
]]
local key = KEYS[1]
local interval, burst, max_wait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local start = tonumber(redis.call('GET', key) or '0')
if start < now then start = now end
local wait = start - (burst - 1) * interval - now
if wait < 0 then wait = 0 end
if wait > max_wait then return { 0, wait, now } end
local tat = start + interval
-- %.0f: tostring would write large numbers in exponent form.
redis.call('SET', key, string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1)
return { 1, wait, now }

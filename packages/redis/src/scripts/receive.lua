--[[
Leases up to `max` messages: first promotes due delayed messages and reclaims
expired leases (their next delivery counts as a new attempt), then pops the
highest-priority, oldest ready messages.
KEYS[1] ready, KEYS[2] delayed, KEYS[3] leased
ARGV[1] base, ARGV[2] max messages, ARGV[3] lease ms, ARGV[4] most messages promoted or reclaimed per call
Returns: { now, next, handle, id, body, attempt, handle, id, body, attempt, ... }
  now: server time (ms); next: when something delayed or leased next falls due
  (server ms), or -1 when nothing is or messages were returned.
]]
local ready_key, delayed_key, leased_key = KEYS[1], KEYS[2], KEYS[3]
local base = ARGV[1]
local max, lease_ms, limit = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local now = now_ms()

local function make_ready(source_key, handle)
  redis.call('ZREM', source_key, handle)
  local priority = redis.call('HGET', base .. 'm:' .. handle, 'pri')
  if priority then redis.call('ZADD', ready_key, -tonumber(priority), handle) end
end

for _, handle in ipairs(redis.call('ZRANGEBYSCORE', delayed_key, '-inf', now, 'LIMIT', 0, limit)) do
  make_ready(delayed_key, handle)
end
for _, handle in ipairs(redis.call('ZRANGEBYSCORE', leased_key, '-inf', now, 'LIMIT', 0, limit)) do
  make_ready(leased_key, handle)
end

local result = { now, -1 }
local popped = redis.call('ZPOPMIN', ready_key, max)
local leases = {}
for index = 1, #popped, 2 do
  local handle = popped[index]
  local message_key = base .. 'm:' .. handle
  local fields = redis.call('HMGET', message_key, 'id', 'body')
  if fields[2] then
    local attempt = redis.call('HINCRBY', message_key, 'n', 1)
    leases[#leases + 1] = now + lease_ms
    leases[#leases + 1] = handle
    result[#result + 1] = handle
    result[#result + 1] = fields[1]
    result[#result + 1] = fields[2]
    result[#result + 1] = attempt
  end
end
-- One ZADD for the whole batch (at most 2 x maxReceiveBatch arguments).
if #leases > 0 then redis.call('ZADD', leased_key, unpack(leases)) end

if #result == 2 then
  for _, key in ipairs({ delayed_key, leased_key }) do
    local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    if first[2] and (result[2] == -1 or tonumber(first[2]) < result[2]) then result[2] = tonumber(first[2]) end
  end
end
return result

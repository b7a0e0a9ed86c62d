--[[
Leases up to `max` delayed messages (not due yet), soonest due first, for a
move to another backend. The lease is receive's: the delivery count is its
token, so ack, nack and extend-lease work unchanged, and a lease that runs
out makes the message ready (receive.lua reclaims it; the worker holds an
early copy back until the envelope's runAt). A handle whose hash is missing
is left where it is, for receive.lua to deal with once it is due.
KEYS[1] delayed, KEYS[2] leased
ARGV[1] base, ARGV[2] max messages, ARGV[3] lease ms
Returns: { handle, token, id, body, attempt, due, ... } (token: the delivery count, the lease token; attempt: it less uncounted hand-backs)
]]
local delayed_key, leased_key = KEYS[1], KEYS[2]
local base = ARGV[1]
local max, lease_ms = tonumber(ARGV[2]), tonumber(ARGV[3])
local now = now_ms()
local lease_text = integer_text(now + lease_ms)

local taken = {}
local entries = redis.call('ZRANGEBYSCORE', delayed_key, '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', '0', integer_text(max))
for index = 1, #entries, 2 do
  local handle, due = entries[index], entries[index + 1]
  local fields = redis.call('HMGET', base .. 'm:' .. handle, 'id', 'body', 'h', 'n')
  if fields[2] then taken[#taken + 1] = { handle, fields[1], fields[2], due, tonumber(fields[3]) or 0, tonumber(fields[4]) or 0 } end
end

local result = {}
local leases = {}
for _, entry in ipairs(taken) do
  local handle = entry[1]
  redis.call('ZREM', delayed_key, handle)
  -- The delivery count as receive.lua counts it, and the lease mark beside it (common.lua), in one write.
  local token = entry[6] + 1
  local token_text = integer_text(token)
  redis.call('HSET', base .. 'm:' .. handle, 'n', token_text, 'l', token_text)
  leases[#leases + 1] = lease_text
  leases[#leases + 1] = handle
  for _, value in ipairs({ handle, token, entry[2], entry[3], token - entry[5], entry[4] }) do result[#result + 1] = value end
end
if #leases > 0 then redis.call('ZADD', leased_key, unpack(leases)) end
return result

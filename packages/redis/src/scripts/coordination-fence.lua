--[[
Whether ARGV[1] is the fenced claim's latest token and nothing was committed on
it; with ARGV[2] = "1", commits the claim in the same step. Loaded after common.lua.
KEYS[1] the claim's hash (coordination-acquire-fenced.lua)
ARGV[1] token, ARGV[2] "1" to commit, ARGV[3] keep ms after a commit
Returns: 1 when the token passed (and, with commit, the claim is now committed), else 0.
]]
local key = KEYS[1]
local state = redis.call('HMGET', key, 't', 'c', 'k')
if state[1] == false or state[2] == '1' or tonumber(state[1]) ~= tonumber(ARGV[1]) then return 0 end
if ARGV[2] == '1' then
  local keep_until = math.max(tonumber(state[3]), now_ms() + tonumber(ARGV[3]))
  redis.call('HSET', key, 'c', '1', 'k', keep_until)
  redis.call('PEXPIREAT', key, keep_until)
end
return 1

--[[
One page of a finished state's records, newest first (see the index in records.lua):
by finished ms, then job id, both descending. Reads at most ARGV[8] index entries,
so a filter that matches little returns a short page with a cursor. Entries whose
record expired or changed state are dropped from the index on the way.
KEYS[1] the state's index
ARGV[1] record key prefix, ARGV[2] state, ARGV[3] queue or "", ARGV[4] job or "", ARGV[5] limit,
ARGV[6] cursor finished ms or "" (first page), ARGV[7] cursor job id, ARGV[8] most entries to read
Returns: { cursor ms or "", cursor id or "", { id, { hash fields and values } }, ... }; no cursor when the index ran out
]]
local index, prefix, state, queue, job = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local limit, budget = tonumber(ARGV[5]), tonumber(ARGV[8])
local cursor_at, cursor_id = tonumber(ARGV[6]), ARGV[7]

-- Byte order, as the sorted set orders members of one score (Lua's < follows the server's locale).
local function below(a, b)
  local length = math.min(#a, #b)
  for i = 1, length do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local found, stale = {}, {}
local offset, read, exhausted = 0, 0, false
local last_at, last_id = '', ''
while #found < limit and read < budget do
  -- The cursor's own text as the bound: a Lua number would go back to text with 14 digits.
  local batch = redis.call('ZREVRANGEBYSCORE', index, cursor_at and ARGV[6] or '+inf', '-inf', 'WITHSCORES', 'LIMIT', offset, 100)
  if #batch == 0 then
    exhausted = true
    break
  end
  for i = 1, #batch, 2 do
    local id, at = batch[i], batch[i + 1]
    offset = offset + 1
    -- At the cursor's own time, only ids below the cursor's are new.
    if not cursor_at or tonumber(at) < cursor_at or below(id, cursor_id) then
      read = read + 1
      last_at, last_id = at, id
      local fields = redis.call('HMGET', prefix .. id, 's', 'q', 'j')
      if fields[1] ~= state then
        stale[#stale + 1] = id
      elseif (queue == '' or fields[2] == queue) and (job == '' or fields[3] == job) then
        found[#found + 1] = { id, redis.call('HGETALL', prefix .. id) }
      end
      if #found >= limit or read >= budget then break end
    end
  end
end
for _, id in ipairs(stale) do redis.call('ZREM', index, id) end
local page = { exhausted and '' or last_at, exhausted and '' or last_id }
for _, entry in ipairs(found) do page[#page + 1] = entry end
return page

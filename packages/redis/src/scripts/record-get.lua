--[[
Reads a job's record: its hash, with the claim its message holds when the claim rode there
(records.lua): then running, attempt n - h and started rs, as a start would have written it.
KEYS[1] the record hash (fields: see records.lua)
ARGV[1] job id
Returns: the hash's fields and values, flat as HGETALL answers (empty when there is no record)
]]
local flat = redis.call('HGETALL', KEYS[1])
local fields = {}
for index = 1, #flat, 2 do fields[flat[index]] = flat[index + 1] end
local claim = record_riding_claim(fields, ARGV[1])
if not claim then return flat end
fields.s, fields.a, fields.sa, fields.ra, fields.fa = 'running', tostring(claim.attempt), claim.started, nil, nil
local answer = {}
for name, value in pairs(fields) do
  answer[#answer + 1] = name
  answer[#answer + 1] = value
end
return answer

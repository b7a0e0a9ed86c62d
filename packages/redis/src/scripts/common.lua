--[[
Shared prelude, prepended to every other script when it is loaded.
Defines helpers only; reads and writes nothing by itself.

Key layout (all keys of one queue share the hash tag "{<prefix>:<queue>}",
passed to scripts as `base`, e.g. "{hopper:mailers}:"):
  base .. "ready"      zset   handle -> -priority (ties: handle order = FIFO)
  base .. "delayed"    zset   handle -> due time, server ms
  base .. "leased"     zset   handle -> lease deadline, server ms; or, for a compact lease (receive.lua, `compactLeases`),
                              "<handle>:<n>" -> deadline: the delivery count n is in the member, not written to the message
                              (n there stays the count before this delivery, l unset), so an ack proves its lease by the
                              member alone and reads nothing of the message; since 2026-12-06 (every release since reads both)
  base .. "meta"       hash   seq (last handle number), waiting (messages queued behind an ordering-key head)
  base .. "dedupe"     hash   dedupe key -> handle holding it
  base .. "m:" handle  hash   id, body, pri, at (due time), n (deliveries), ok (ordering key), dk (dedupe key),
                              h (uncounted hand-backs), l (the lease mark: the token of the live lease, written
                              with n by receive.lua and take-scheduled.lua, removed by nack.lua, by the reclaim of
                              an expired lease and when an orphaned handle's hash is found again; written since 141de82;
                              ack.lua checks a lease with it in the HMGET it makes anyway, not a ZRANK per ack:
                              benchmarks/results/redis-ack-lease-mark-2026-12-06.md); with a record whose claims ride in it (records.lua):
                              rm ("1"; "2" once the record may hold a run-at or an error), rs (started ms of the claim), x ("1": cancel asked)
  base .. "orphans"    zset   handle (or a compact lease's member) -> when last looked at, server ms: handles whose message
                              hash was missing (see receive.lua)
  base .. "o:" key     list   handles sharing an ordering key, oldest first; only the head is ever ready, delayed or leased
]]

-- Scripts call TIME before writing; effect replication makes that safe (the default since Redis 5).
if redis.replicate_commands then redis.replicate_commands() end

-- The server clock, so every client agrees on delays and lease deadlines.
local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

-- The time a lease is judged lapsed by: the server's clock, or the caller's reckoning of it (`bound`, server ms, or
-- "" for none) when that is earlier. A step of the server's clock forward would otherwise end every lease at once,
-- running jobs included; a caller vouches only for the time its monotonic clock has seen pass (server-clock.ts).
local function lapse_time(now, bound)
  local vouched = tonumber(bound)
  if vouched and vouched < now then return vouched end
  return now
end

-- A number as the text redis.call would make of it, for arguments: Redis 7.0 formats each Lua number argument
-- with snprintf("%.17g") (~3,000 instructions), where an integer's "%d" reads the same and costs a fraction of it.
-- A value a call shares (now, a lease's end) is formatted once by its caller. Anything but an integer below 1e15
-- is left a number, for Redis to format as it always did. (No per-call cache: its table and strings cost a
-- one-message call more in allocation and garbage collection than the formatting they save.)
local function integer_text(number)
  if number > -1e15 and number < 1e15 and number == math.floor(number) then return string.format('%d', number) end
  return number
end

-- Makes a message eligible: ready at once, or delayed until `at`. Returns true when ready now.
local function schedule(ready_key, delayed_key, handle, at, now, priority)
  if at > now then
    redis.call('ZADD', delayed_key, integer_text(at), handle)
    return false
  end
  redis.call('ZADD', ready_key, integer_text(-priority), handle)
  return true
end

-- Whether `key` is among KEYS[from..]. A key a script names only once it has read another (an ordering line, a
-- dedupe key's holder) is not declared up front; on a Cluster whose slot is half moved, one not yet moved looks
-- missing on the importing node. A script that finds one missing answers { { key, ... } } having written nothing,
-- and the caller asks again with them declared (redis-declared-keys.ts), so Redis answers TRYAGAIN until they are
-- here; a declared key that is missing is passed over (deleted by hand).
local function declared_key(key, from)
  for index = from, #KEYS do
    if KEYS[index] == key then return true end
  end
  return false
end

-- A compact lease's token, "c<n>" as receive.lua hands it out: its member in `leased` ("<handle>:<n>") and n as text;
-- nil for any other token (the handle is the member, n is in the message).
local function compact_lease_member(handle, token)
  if string.byte(token, 1) ~= 99 then return nil end -- 99: "c"
  local count = string.sub(token, 2)
  return handle .. ':' .. count, count
end

-- A member of `leased` or `orphans`: its handle, and the delivery count a compact lease's member carries (else nil).
-- Handles are digits (enqueue.lua), so a colon only ever separates a compact lease's count.
local function lease_member_parts(member)
  local colon = string.find(member, ':', 1, true)
  if not colon then return member, nil end
  return string.sub(member, 1, colon - 1), string.sub(member, colon + 1)
end

-- Whether a compact lease of `count` deliveries is still its holder's, from the message's `n` (false: the message is
-- gone): a compact lease leaves `n` at the count before it, and every path that ends one (nack, reclaim, an orphan
-- found again) writes its count there as it removes the member; a later lease counts on from there.
local function compact_lease_live(held_count, count)
  return held_count ~= false and tonumber(held_count) + 1 == tonumber(count)
end

-- When `handle` is leased and `attempt` names its current delivery (stale holders get false): its member in `leased`
-- and, for a compact lease, its count.
-- (ZRANK: an integer reply; Redis 7.0 formats a score reply with "%.17g".) Nack and extend ask `leased`, not the
-- lease mark: they leave the message in place, so a handle parked in orphans must not pass (ack.lua takes it).
local function holds_lease(leased_key, base, handle, attempt)
  local member, count = compact_lease_member(handle, attempt)
  if member then return redis.call('ZRANK', leased_key, member) ~= false and member, count end
  return redis.call('ZRANK', leased_key, handle) ~= false and redis.call('HGET', base .. 'm:' .. handle, 'n') == attempt and handle
end

-- Coordination entries (coordination-*-entry*.lua): a hash of member -> "<expiry, server ms>:<value>", plus
-- ENTRIES_SWEEP_AT, a bound no live entry expires before. While it lies ahead nothing expired, so no call reads the
-- whole hash; once it passes, one call drops the expired entries and sets it again. Returns the bound (nil: no entries).
-- The bound is stored as "<ms>:", an entry's shape, so an older store's scripts still parse the hash during a rolling deploy.
-- A hold (coordination-hold-entries.lua) follows the colon, "<ms>:<hold ms>", and the bound is kept at or after it, so
-- nothing is swept before the hold ends, by this release's scripts or an older one's (which read only the bound).
local ENTRIES_SWEEP_AT = '\0sweep-at'
local function entries_bound(ms, hold)
  local stored = string.format('%d', ms) .. ':'
  if hold ~= nil then stored = stored .. string.format('%d', hold) end
  return stored
end
-- The stored bound and hold of an entries hash (either nil).
local function entries_sweep_state(key)
  local stored = redis.call('HGET', key, ENTRIES_SWEEP_AT)
  if not stored then return nil, nil end
  return tonumber(string.match(stored, '^(%d+):')), tonumber(string.match(stored, '^%d+:(%d+)$'))
end
local function sweep_entries(key, now)
  local bound = entries_sweep_state(key)
  if bound ~= nil and bound > now then return bound end
  -- The bound passed, so any hold ended with it: each entry's own expiry counts again.
  local earliest = nil
  local fields = redis.call('HGETALL', key)
  for index = 1, #fields, 2 do
    if fields[index] ~= ENTRIES_SWEEP_AT then
      local expires = tonumber(string.match(fields[index + 1], '^(%d+):'))
      if expires <= now then redis.call('HDEL', key, fields[index])
      elseif earliest == nil or expires < earliest then earliest = expires end
    end
  end
  if earliest == nil then redis.call('HDEL', key, ENTRIES_SWEEP_AT) else redis.call('HSET', key, ENTRIES_SWEEP_AT, entries_bound(earliest)) end
  return earliest
end

/**
 * A sketch, not Hopper's layout: how many server instructions a job would cost on Redis if a message were no key of
 * its own. Counted by callgrind beside raw ioredis's lease + ack (LPUSH; LMOVE to a processing list; LREM), the
 * baseline of issue #18's "≥ 0.8× raw" goal, for deciding whether a change of layout is worth its migration.
 *
 * The sketch keeps a plain message (due now, priority 0, no ordering or dedupe key, no record) as one field of a
 * queue-wide hash (`bodies`: handle → "id\nbody") and its delivery count in its sorted-set member ("handle:n", in
 * `ready` and in `leased`), so a lease is proved by removing its exact member, and nothing per message is created or
 * freed but a hash field and a set member. Its scripts make the same per-call reads as Hopper's (server time, due
 * delayed messages, expired leases, orphans; the send's token key and wake-up) and none of its other features.
 *
 *   valgrind --tool=callgrind --callgrind-out-file=<dir>/callgrind.out.%p redis-server --port 43713 --bind 127.0.0.1 --save '' --appendonly no
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/redis-layout-sketch.ts \
 *     redis://127.0.0.1:43713 <redis-server pid> <dir> [enqueue call size, 100] [receive size, 10] [messages, 2000]
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { callgrindCounters } from "./callgrind-counters.js";

const [url = "", pid = "", dir = ".", enqueueText = "100", receiveText = "10", messagesText = "2000"] = process.argv.slice(2);
const enqueueSize = Number(enqueueText);
const receiveSize = Number(receiveText);
const messages = Number(messagesText);
const redis = new Redis(url);
const { zero, dumpedTotal } = callgrindCounters(pid, dir);
// The envelope Hopper's probe sends (redis-script-instructions.ts): the same bytes per message for every layout.
const body = JSON.stringify({ hopper: 1, id: randomUUID(), job: "BenchNoop", version: 1, args: { sentAt: Date.now(), padding: "" }, queue: "q", priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });

/**
 * PROBE_SKETCH_VARIANT separates what the sketch changes: "shared" (the default: bodies in one queue-wide hash, read and
 * deleted with one command per call), "keyed" (each body a hash key of its own, `<bodies>:<handle>`, as Hopper's
 * message is: one command per message to write, read and delete it), "unbatched" (the shared hash, but one HGET and
 * one HDEL per message, as Hopper's scripts call per message).
 */
const variant = process.env.PROBE_SKETCH_VARIANT ?? "shared";
if (!["shared", "keyed", "unbatched"].includes(variant)) throw new Error(`PROBE_SKETCH_VARIANT: shared, keyed or unbatched, got ${variant}`);
const writeBodies =
  variant === "keyed"
    ? "for index = 1, #fields, 2 do redis.call('HSET', bodies_key .. ':' .. fields[index], 'b', fields[index + 1]) end"
    : "redis.call('HSET', bodies_key, unpack(fields))";
const readBodies = {
  shared: "local bodies = redis.call('HMGET', bodies_key, unpack(handles))",
  keyed: "local bodies = {}\nfor index, handle in ipairs(handles) do bodies[index] = redis.call('HGET', bodies_key .. ':' .. handle, 'b') end",
  unbatched: "local bodies = {}\nfor index, handle in ipairs(handles) do bodies[index] = redis.call('HGET', bodies_key, handle) end",
}[variant]!;
const deleteBodies = {
  shared: "redis.call('HDEL', bodies_key, unpack(handles))",
  keyed: "for index, handle in ipairs(handles) do handles[index] = bodies_key .. ':' .. handle end\n  redis.call('DEL', unpack(handles))",
  unbatched: "for _, handle in ipairs(handles) do redis.call('HDEL', bodies_key, handle) end",
}[variant]!;

const sketchEnqueue = `
local ready_key, bodies_key, meta_key = KEYS[1], KEYS[2], KEYS[3]
local sent_key = ARGV[1]
if redis.call('EXISTS', sent_key) == 1 then return 0 end
local count = (#ARGV - 1) / 2
local seq = redis.call('HINCRBY', meta_key, 'seq', count) - count
local members, fields = {}, {}
for index = 1, count do
  local handle = string.format('%015d', seq + index)
  members[2 * index - 1], members[2 * index] = '0', handle .. ':0'
  fields[2 * index - 1], fields[2 * index] = handle, ARGV[2 * index] .. '\\n' .. ARGV[2 * index + 1]
end
${writeBodies}
redis.call('ZADD', ready_key, unpack(members))
redis.call('SET', sent_key, '1', 'PX', '60000')
redis.call('PUBLISH', ARGV[1] .. ':wake', '')
return count`;

const sketchReceive = `
local ready_key, delayed_key, leased_key, orphans_key, bodies_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local max, lease_ms = tonumber(ARGV[1]), tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local now_text, lease_text = string.format('%d', now), string.format('%d', now + lease_ms)
-- The reads Hopper's receive makes every call (none finds anything here).
redis.call('ZRANGEBYSCORE', delayed_key, '-inf', now_text, 'LIMIT', '0', '100')
redis.call('ZRANGEBYSCORE', leased_key, '-inf', now_text, 'LIMIT', '0', '100')
redis.call('ZRANGEBYSCORE', orphans_key, '-inf', now_text, 'LIMIT', '0', '10')
local members = redis.call('ZRANGE', ready_key, '0', string.format('%d', max - 1))
if #members == 0 then return {} end
local handles, leases, replies = {}, {}, {}
for index, member in ipairs(members) do
  local colon = string.find(member, ':', 1, true)
  local handle = string.sub(member, 1, colon - 1)
  local token = handle .. ':' .. (tonumber(string.sub(member, colon + 1)) + 1)
  handles[index] = handle
  leases[2 * index - 1], leases[2 * index] = lease_text, token
  replies[2 * index - 1] = token
end
${readBodies}
for index = 1, #members do replies[2 * index] = bodies[index] end
redis.call('ZREM', ready_key, unpack(members))
redis.call('ZADD', leased_key, unpack(leases))
return replies`;

const sketchAck = `
local leased_key, bodies_key = KEYS[1], KEYS[2]
local removed = redis.call('ZREM', leased_key, unpack(ARGV))
if removed == #ARGV then
  local handles = {}
  for index, token in ipairs(ARGV) do handles[index] = string.sub(token, 1, string.find(token, ':', 1, true) - 1) end
  ${deleteBodies}
end
return removed`;

async function count(label: string, run: () => Promise<void>): Promise<void> {
  zero();
  await run();
  console.log(`${label}: ${(dumpedTotal() / messages).toFixed(0)} server instructions/message`);
}

const sketchKeys = (queue: string) => ({ ready: `${queue}:ready`, delayed: `${queue}:delayed`, leased: `${queue}:leased`, orphans: `${queue}:orphans`, bodies: `${queue}:bodies`, meta: `${queue}:meta` });

async function sketchFill(queue: string, total: number, size: number): Promise<void> {
  const keys = sketchKeys(queue);
  for (let sent = 0; sent < total; sent += size) {
    const args: string[] = [randomUUID()];
    for (let index = 0; index < Math.min(size, total - sent); index++) args.push(randomUUID(), body);
    await redis.eval(sketchEnqueue, 3, keys.ready, keys.bodies, keys.meta, ...args);
  }
}

async function sketchDrain(queue: string, total: number, size: number): Promise<void> {
  const keys = sketchKeys(queue);
  for (let done = 0; done < total; ) {
    const replies = (await redis.eval(sketchReceive, 5, keys.ready, keys.delayed, keys.leased, keys.orphans, keys.bodies, Math.min(size, total - done), 30_000)) as string[];
    const tokens = replies.filter((_, index) => index % 2 === 0);
    if (tokens.length === 0) throw new Error("the sketch's receive found nothing");
    const removed = await redis.eval(sketchAck, 2, keys.leased, keys.bodies, ...tokens);
    if (removed !== tokens.length) throw new Error(`the sketch's ack removed ${String(removed)} of ${tokens.length}`);
    done += tokens.length;
  }
}

async function rawFill(queue: string, total: number, size: number): Promise<void> {
  for (let sent = 0; sent < total; sent += size) await redis.lpush(`${queue}:list`, ...Array.from({ length: Math.min(size, total - sent) }, () => body));
}

/** As the raw subject does: one LMOVE per free slot in one pipeline, then an LREM per job (its acks pipelined). */
async function rawDrain(queue: string, total: number, size: number): Promise<void> {
  for (let done = 0; done < total; ) {
    const take = redis.pipeline();
    for (let index = 0; index < Math.min(size, total - done); index++) take.lmove(`${queue}:list`, `${queue}:processing`, "RIGHT", "LEFT");
    const taken = ((await take.exec()) ?? []).map(([, value]) => value as string | null).filter((value): value is string => value !== null);
    const ack = redis.pipeline();
    for (const value of taken) ack.lrem(`${queue}:processing`, 1, value);
    await ack.exec();
    done += taken.length;
  }
}

try {
  // Scripts loaded and paths warm before counting.
  await sketchFill("warm", 200, enqueueSize);
  await sketchDrain("warm", 200, receiveSize);
  await count(`sketch (${variant}) enqueue, calls of ${enqueueSize}`, () => sketchFill("sketch", messages, enqueueSize));
  await count(`sketch (${variant}) receive ${receiveSize} at a time + ack`, () => sketchDrain("sketch", messages, receiveSize));
  await count(`raw LPUSH, calls of ${enqueueSize}`, () => rawFill("raw", messages, enqueueSize));
  await count(`raw LMOVE ${receiveSize} at a time (pipelined) + LREM`, () => rawDrain("raw", messages, receiveSize));
} finally {
  redis.disconnect();
}

/**
 * Redis server CPU per job-record write, without the worker or the network: each
 * write of `packages/redis/src/scripts/records.lua` (insert, a claim's start, an
 * ack's settle with its index) runs `count` times in one script, and the server's
 * own CPU time (INFO cpu) before and after is divided by the count. A message-like
 * HSET of a new key is measured beside them as the yardstick. One script per figure
 * keeps the network and the client out; on a shared machine run it a few times,
 * interleaved with the code it is compared to (`scripts` names another copy's folder).
 *
 *   pnpm --filter @hopper/bench redis-record-ops <redis url> [count] [scripts folder]
 *
 * Use a server of its own: the figures are the whole server's CPU.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";

const [url = process.env.HOPPER_TEST_REDIS_URL ?? "", countText = "5000", folder = fileURLToPath(new URL("../../../../packages/redis/src/scripts/", import.meta.url))] = process.argv.slice(2);
if (!url.startsWith("redis")) throw new Error("usage: redis-record-ops <redis url> [count] [scripts folder]");
const count = Number(countText);
const scripts = folder.endsWith("/") ? folder : `${folder}/`;
const read = (file: string) => readFileSync(`${scripts}${file}`, "utf8");
// Both names of the one-node flag, so a copy from before or after its rename runs as the queue scripts do.
const prelude = `${read("common.lua")}\nlocal record_one_node = true\nlocal record_indexed = true\n${read("records.lua")}\n`;
// The settle's signature gained the index batch (records written per call).
const batched = read("records.lua").includes("record_index_batch");
const kept = String(100 * 365 * 86_400_000);
const now = Date.now();
const args = JSON.stringify({ args: { sentAt: now + 0.093, padding: "" } });

const redis = new Redis(url);
async function serverCpuUs(): Promise<number> {
  const text = await redis.info("cpu");
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(text)?.[1] ?? 0);
  return (field("used_cpu_user") + field("used_cpu_sys")) * 1e6;
}

/** Runs `body` (a Lua loop over i = 1..n) once; µs of server CPU per iteration. */
async function measure(label: string, body: string): Promise<void> {
  const before = await serverCpuUs();
  await redis.eval(`${prelude}local n = tonumber(ARGV[1])\n${body}\nreturn n`, 0, count);
  const used = (await serverCpuUs()) - before;
  console.log(`${label.padEnd(34)} ${(used / count).toFixed(2)} µs/op`);
}

try {
  const tag = `record-ops-${Math.random().toString(36).slice(2, 8)}`;
  const key = `'${tag}:record:${tag}-' .. i`;
  const id = `'${tag}-' .. i`;
  await measure("message HSET (new key)", `for i = 1, n do redis.call('HSET', '${tag}:m:' .. i, 'id', ${id}, 'body', '${args}', 'pri', 0, 'at', ${now}, 'n', 0) end`);
  await measure("record insert (enqueue)", `for i = 1, n do record_insert(${key}, 'Probe', 'q', '${now}', '', '${kept}', '${tag}:events', ${id}, '', '', '${args}') end`);
  const start = batched
    ? `record_start(${key}, '', 'q', '', '1', '${now}', '${kept}', '${tag}:events', ${id})`
    : `if redis.call('HGET', ${key}, 'q') == 'q' then record_start(${key}, '', 'q', '', '1', '${now}', '${kept}', '${tag}:events', ${id}) end`;
  await measure("record start (claim)", `for i = 1, n do ${start} end`);
  const settleArgs = `${key}, 'Probe', 'q', '${now}', 'succeeded', '1', 'null', '', '${now}', '', '86400000', '${tag}:events', ${id}`;
  // An ack call settles up to a few hundred jobs: the index is written per 100 here.
  const settle = batched
    ? `local batch = record_index_batch()\nfor i = 1, n do record_settle(batch, ${settleArgs}); if i % 100 == 0 then record_index_flush(batch); batch = record_index_batch() end end\nrecord_index_flush(batch)`
    : `for i = 1, n do record_settle(${settleArgs}) end`;
  await measure("record settle (ack)", settle);
  // A claim and an ack whose record rides in the message (records.lua, where the scripts have it): the claim's record
  // cost is the message's rs beside n (an HSET replacing the HINCRBY, measured against the HINCRBY), the ack's an unread write.
  if (read("records.lua").includes("record_settle_riding")) {
    await measure("message HINCRBY n (claim, off)", `for i = 1, n do redis.call('HINCRBY', '${tag}:m:' .. i, 'n', 1) end`);
    await measure("message HSET n, rs (riding)", `for i = 1, n do redis.call('HSET', '${tag}:m:' .. i, 'n', 2, 'rs', ${now}) end`);
    const ridingKey = `'${tag}:record:${tag}-r' .. i`;
    // The settle's riding form lost job, queue and enqueued (the insert's, left in the record) in 2026-12-03c.
    const short = read("records.lua").includes("record_settle_riding(index_batch, key, state,");
    const riding = short
      ? `${ridingKey}, 'succeeded', '1', 'null', '', '${now}', '86400000', '${tag}:events', ${id}, '${now}', false`
      : `${ridingKey}, 'Probe', 'q', '${now}', 'succeeded', '1', 'null', '', '${now}', '86400000', '${tag}:events', ${id}, '${now}', false`;
    await measure("record insert, riding (enqueue)", `for i = 1, n do record_insert(${ridingKey}, 'Probe', 'q', '${now}', '', '${kept}', '${tag}:events', ${id}, '', '', '${args}', '${tag}:m:' .. i) end`);
    await measure("record settle, riding (ack)", `local batch = record_index_batch()\nfor i = 1, n do record_settle_riding(batch, ${riding}); if i % 100 == 0 then record_index_flush(batch); batch = record_index_batch() end end\nrecord_index_flush(batch)`);
  }
  const keys = await redis.keys(`${tag}:*`);
  for (let from = 0; from < keys.length; from += 1000) await redis.del(...keys.slice(from, from + 1000));
  await redis.del(`${tag}:record-index:succeeded`);
} finally {
  redis.disconnect();
}

/**
 * Server instructions one script call spends defining the helpers in front of
 * its body, counted by callgrind (see apps/bench/src/probe/redis-script-instructions.ts
 * for the server to start): each variant is the prelude and `return 1`, called N times.
 *
 *   node --no-warnings benchmarks/results/redis-script-preludes-2026-12-05-probes/prelude-instructions.ts \
 *     redis://127.0.0.1:43711 <redis-server pid> <dump dir> [calls]
 *
 * (Node 24 strips the types; kept beside its results, not in apps/bench, as it reads the Redis package's helper
 * composition, which that package does not export.)
 *
 * Variants: nothing; common.lua and records.lua whole (what every queue script but
 * the record-less enqueue had in front of it before lua-prelude.ts); and, per
 * script, the helpers it now gets.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { callgrindCounters } from "../../../apps/bench/src/probe/callgrind-counters.ts";
import { parseHelperFile, preludeFor } from "../../../packages/redis/src/lua-prelude.ts";

// ioredis as the Redis package has it (pnpm keeps it under that package).
const { Redis } = createRequire(new URL("../../../packages/redis/package.json", import.meta.url))("ioredis") as typeof import("ioredis");

const [url = "", pid = "", dir = ".", callsText = "2000"] = process.argv.slice(2);
const calls = Number(callsText);
const scripts = new URL("../../../packages/redis/src/scripts/", import.meta.url);
const read = (file: string) => readFileSync(new URL(file, scripts), "utf8");
const common = parseHelperFile("common.lua", read("common.lua"));
const records = parseHelperFile("records.lua", read("records.lua"));
const whole = `${read("common.lua")}\nlocal record_one_node = true\n${read("records.lua")}`;
const variants: [string, string][] = [
  ["nothing", ""],
  ["common.lua + records.lua whole", whole],
  ...["enqueue.lua", "receive.lua", "ack.lua", "nack.lua", "extend-lease.lua", "take-scheduled.lua"].map(
    (file): [string, string] => [`${file}'s helpers now`, `local record_one_node = true\n${preludeFor([common, records], read(file))}`],
  ),
];

const { zero, dumpedTotal } = callgrindCounters(pid, dir);

const client = new Redis(url);
for (const [name, prelude] of variants) {
  const sha = String(await client.script("LOAD", `${prelude}\nreturn 1`));
  await client.evalsha(sha, 0);
  zero();
  for (let sent = 0; sent < calls; sent += 100) await Promise.all(Array.from({ length: 100 }, () => client.evalsha(sha, 0)));
  console.log(`${name}: ${Math.round(dumpedTotal() / calls)} server instructions/call`);
}
await client.quit();

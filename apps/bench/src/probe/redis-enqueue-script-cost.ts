/**
 * The server's time in Redis's enqueue script, per call, for comparing versions of `enqueue.lua`:
 * EVALSHA from one client, one call at a time, the variants interleaved in blocks of 50 calls
 * (the first 5 blocks dropped); µs per call from INFO commandstats (the script's own time) and
 * the server's CPU (with the INFO calls). Each variant is a file holding an `enqueue.lua`; it is
 * run behind the same prelude as the backend's (common.lua, records.lua).
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/redis-enqueue-script-cost.ts \
 *     <redis url> <jobs per call> <enqueue.lua> [<other enqueue.lua> …]
 * Use a server of its own: the counts are the whole server's.
 */
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { scriptPrelude, scriptTimeSample } from "./redis-script-time.js";

const [url = "", jobsText = "10", ...files] = process.argv.slice(2);
const jobs = Number(jobsText);
const redis = new Redis(url);
const body = JSON.stringify({ v: 1, job: "BenchNoop", args: [{ sentAt: 0, padding: "x".repeat(150) }], id: "00000000-0000-0000-0000-000000000000", at: new Date().toISOString() });
let serial = 0;

const sample = () => scriptTimeSample(redis);

try {
  const variants = await Promise.all(files.map(async (file) => ({ file, sha: String(await redis.script("LOAD", `${scriptPrelude}\n${readFileSync(file, "utf8")}`)), usec: 0, cpuUs: 0, calls: 0 })));
  for (let block = 0; block < 60; block += 1) {
    for (const variant of variants) {
      const base = `{script-cost-${process.pid}-${variants.indexOf(variant)}}:`;
      const before = await sample();
      for (let call = 0; call < 50; call += 1) {
        const args: string[] = [];
        for (let job = 0; job < jobs; job += 1) args.push(`id-${(serial += 1)}`, body, "0", "0", "", "");
        await redis.evalsha(variant.sha, 4, `${base}ready`, `${base}delayed`, `${base}meta`, `${base}dedupe`, base, `${base}wake`, "", "", "q", `token-${serial}`, "", ...args);
      }
      const after = await sample();
      if (block < 5) continue;
      variant.usec += after.usec - before.usec;
      variant.cpuUs += after.cpuUs - before.cpuUs;
      variant.calls += 50;
    }
  }
  for (const variant of variants) console.log(`${variant.file} (${jobs} jobs per call): script ${(variant.usec / variant.calls).toFixed(1)} µs/call, server CPU ${(variant.cpuUs / variant.calls).toFixed(1)} µs/call (with INFO)`);
  for (let index = 0; index < variants.length; index += 1) {
    const keys = await redis.keys(`{script-cost-${process.pid}-${index}}:*`);
    for (let from = 0; from < keys.length; from += 500) await redis.del(...keys.slice(from, from + 500));
  }
} finally {
  redis.disconnect();
}

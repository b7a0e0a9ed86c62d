/**
 * The server's time in Redis's enqueue script with job records, per job: sends of `jobs` messages in the form the
 * backend uses for a bulk or coalesced single enqueue of one job class (enqueue.lua's shared record form "s", each
 * message its args text), records off ("" record prefix) and on, interleaved in blocks of 50 calls (the first 5
 * blocks dropped); µs per job from INFO commandstats (the script's own time, its commands included) and the
 * server's CPU. Each further file is another `enqueue.lua` to run with records on beside this checkout's.
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/redis-enqueue-records-script-cost.ts \
 *     <redis url> <jobs per call> [<other enqueue.lua> …]
 * Use a server of its own: the counts are the whole server's. Records accumulate (kept until a later write), as in
 * a bench run; FLUSHALL before and after.
 */
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { scriptPath, scriptPrelude, scriptTimeSample } from "./redis-script-time.js";

const [url = "", jobsText = "10", ...others] = process.argv.slice(2);
const jobs = Number(jobsText);
const redis = new Redis(url);
const body = JSON.stringify({ hopper: 1, id: "00000000-0000-0000-0000-000000000000", job: "BenchNoop", version: 1, args: [{ sentAt: 0, padding: "x".repeat(150) }], queue: "q", priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
const argsText = `{"args":${JSON.stringify([{ sentAt: 0, padding: "x".repeat(150) }])}}`;
const keptTtl = String(100 * 365 * 86_400_000);
let serial = 0;

const sample = () => scriptTimeSample(redis);

try {
  await redis.flushall();
  const load = async (file: string) => String(await redis.script("LOAD", `${scriptPrelude}\n${readFileSync(file, "utf8")}`));
  const main = scriptPath("enqueue.lua");
  const variants = [
    { name: "records off", sha: await load(main), records: false },
    { name: "records on", sha: await load(main), records: true },
    ...(await Promise.all(others.map(async (file) => ({ name: `records on, ${file}`, sha: await load(file), records: true })))),
  ].map((variant) => ({ ...variant, usec: 0, cpuUs: 0, calls: 0 }));
  for (let block = 0; block < 60; block += 1) {
    for (const [index, variant] of variants.entries()) {
      const base = `{script-cost-${index}}:`;
      const before = await sample();
      for (let call = 0; call < 50; call += 1) {
        const args: string[] = variant.records ? ["s", "BenchNoop", String(Date.now()), "", keptTtl, "", ""] : [];
        for (let job = 0; job < jobs; job += 1) {
          args.push(`id-${(serial += 1)}`, body);
          if (variant.records) args.push(argsText);
        }
        await redis.evalsha(variant.sha, 4, `${base}ready`, `${base}delayed`, `${base}meta`, `${base}dedupe`, base, `${base}wake`, variant.records ? "hopper:record:" : "", variant.records ? "hopper:record-events" : "", "q", `token-${serial}`, "p", ...args);
      }
      const after = await sample();
      if (block >= 5) {
        variant.usec += after.usec - before.usec;
        variant.cpuUs += after.cpuUs - before.cpuUs;
        variant.calls += 50;
      }
    }
  }
  for (const variant of variants) {
    console.log(`${variant.name}: script ${(variant.usec / variant.calls / jobs).toFixed(2)} µs/job, server CPU ${(variant.cpuUs / variant.calls / jobs).toFixed(2)} µs/job (${jobs} jobs per call, ${variant.calls} calls)`);
  }
} finally {
  await redis.flushall();
  redis.disconnect();
}

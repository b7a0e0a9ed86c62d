// Server instructions per EVALSHA of enqueue.lua behind each prelude: the backend's (common.lua + records.lua) and
// common.lua alone; calls of <jobs> messages without records, on a private redis-server under callgrind.
//   node prelude-instr.mjs <port> <redis-server pid> <callgrind dir> <enqueue.lua> [jobs per call] [calls]
// (run from apps/bench, whose node_modules hold ioredis)
import { execSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
const require = createRequire(`${process.cwd()}/package.json`);
const { Redis } = require("ioredis");
const [port, pid, dir, enqueueFile, jobsText = "1", callsText = "2000"] = process.argv.slice(2);
const scripts = new URL("../../../packages/redis/src/scripts/", import.meta.url);
const read = (file) => readFileSync(new URL(file, scripts), "utf8");
const enqueue = readFileSync(enqueueFile, "utf8");
const variants = {
  "common + records": `${read("common.lua")}\nlocal record_one_node = true\n${read("records.lua")}\n${enqueue}`,
  "common only": `${read("common.lua")}\nlocal record_insert, record_all_absent\n${enqueue}`,
};
const redis = new Redis(`redis://127.0.0.1:${port}`);
const body = JSON.stringify({ hopper: 1, id: "00000000-0000-0000-0000-000000000000", job: "BenchNoop", version: 1, args: { sentAt: 0, padding: "" }, queue: "q", priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
const total = () => {
  execSync(`callgrind_control -d ${pid}`, { stdio: "ignore" });
  const newest = readdirSync(dir).filter((f) => f.startsWith("callgrind.out")).map((f) => `${dir}/${f}`).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  return Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(newest, "utf8"))?.[1]);
};
let serial = 0;
for (const [name, lua] of Object.entries(variants)) {
  const sha = await redis.script("LOAD", lua);
  const base = `{prelude-${name.length}}:`;
  const call = () => {
    const args = [];
    for (let job = 0; job < Number(jobsText); job += 1) args.push(`id-${(serial += 1)}`, body, "0", "0", "", "");
    return redis.evalsha(sha, 4, `${base}ready`, `${base}delayed`, `${base}meta`, `${base}dedupe`, base, `${base}wake`, "", "", "q", `token-${serial}`, ...args);
  };
  await call();
  execSync(`callgrind_control -z ${pid}`, { stdio: "ignore" });
  for (let n = 0; n < Number(callsText); n += 1) await call();
  console.log(`${name}: ${(total() / Number(callsText)).toFixed(0)} server instructions per call of ${jobsText}`);
}
redis.disconnect();

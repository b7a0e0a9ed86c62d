/**
 * What a Lua script call costs the Redis server before it does anything, and what single pieces add to it: server
 * instructions per call by callgrind (the server run as in redis-layout-sketch.ts), each script sent by EVALSHA as
 * Hopper's are (ioredis defineCommand), 2,000 calls each, one after the other.
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/redis-eval-floor.ts \
 *     redis://127.0.0.1:43713 <redis-server pid> <dir>
 */
import { Redis } from "ioredis";
import { callgrindCounters } from "./callgrind-counters.js";
const [url = "", pid = "", dir = "."] = process.argv.slice(2);
const redis = new Redis(url);
const { zero, dumpedTotal } = callgrindCounters(pid, dir);
const n = 2000;
const cases: [string, string, number, string[]][] = [
  ["PING (no script)", "", 0, []],
  ["return 1", "return 1", 0, []],
  ["return 1, 4 keys and 8 arguments", "return 1", 4, ["a", "b", "c", "d", "1", "2", "3", "4", "5", "6", "7", "8"]],
  ["TIME", "local t = redis.call('TIME') return 1", 0, []],
  ["EXISTS", "return redis.call('EXISTS', KEYS[1])", 1, ["nokey"]],
  ["6 local functions", "local function a() end local function b() end local function c() end local function d() end local function e() end local function f() end return 1", 0, []],
  ["string.format %015d", "local s = string.format('%015d', 12345) return 1", 0, []],
  ["5 tables", "local a, b, c, d, e = {}, {}, {}, {}, {} return 1", 0, []],
  ["PUBLISH no subscriber", "redis.call('PUBLISH', 'chan', '') return 1", 0, []],
  ["SET PX (a new key each call)", "redis.call('SET', KEYS[1], '1', 'PX', '60000') return 1", 1, ["k"]],
  ["HMGET of 4 absent fields", "redis.call('HMGET', KEYS[1], 'a', 'b', 'c', 'd') return 1", 1, ["nohash"]],
];
for (const [label, script, keys, args] of cases) {
  const sha = script ? String(await redis.script("LOAD", script)) : "";
  zero();
  for (let i = 0; i < n; i++) {
    if (script) await redis.evalsha(sha, keys, ...(label.startsWith("SET PX") ? [`k${i}`] : args));
    else await redis.ping();
  }
  console.log(`${label}: ${(dumpedTotal() / n).toFixed(0)} instructions/call`);
}
redis.disconnect();

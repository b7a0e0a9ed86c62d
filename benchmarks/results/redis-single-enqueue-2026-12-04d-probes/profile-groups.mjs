// Self time of a .cpuprofile grouped by where the code lives, in µs per job.
//   node groups.mjs <file.cpuprofile> <jobs>
import { readFileSync } from "node:fs";
const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const jobs = Number(process.argv[3]);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const groups = new Map();
const group = (cf) => {
  const u = cf.url, f = cf.functionName;
  if (f === "(idle)") return "idle";
  if (f === "(garbage collector)") return "gc";
  if (f === "writeUtf8String" || f === "writeBuffer" || f === "writev" || f === "writeLatin1String") return "socket write (wall)";
  if (f === "post" && u.includes("inspector")) return "profiler";
  if (f === "(program)" || f === "runMicrotasks" || f === "processTicksAndRejections" || (f === "nextTick")) return "event loop, microtasks";
  if (u.includes("ioredis") || u.includes("redis-parser") || u.includes("standard-as-callback") || u.includes("denque") || u.includes("cluster-key-slot")) return "ioredis + parser";
  if (u.includes("bullmq")) return "bullmq";
  if (u.includes("msgpackr")) return "bullmq (msgpackr)";
  if (u.includes("packages/core/src/envelope") || u.includes("args-serializer")) return "core: envelope/serialize";
  if (u.includes("enqueue-coalescer") || u.includes("send-in-batches")) return "core: lane";
  if (u.includes("packages/core")) return "core: enqueue (options, ids, middleware, records)";
  if (u.includes("packages/redis")) return "redis adapter";
  if (u.includes("apps/bench")) return "bench";
  if (u.startsWith("node:") || u === "") return "node internals (net, streams, timers, crypto)";
  return "other " + u.split("/").slice(-2).join("/");
};
for (const [id, t] of dt) { const g = group(byId.get(id).callFrame); groups.set(g, (groups.get(g) ?? 0) + t); }
let busy = 0; for (const [g, t] of groups) if (g !== "idle") busy += t;
console.log(`busy ${(busy / jobs).toFixed(1)} µs/job (wall, profiled), idle ${((groups.get("idle") ?? 0) / jobs).toFixed(1)}`);
for (const [g, t] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`${(t / jobs).toFixed(2).padStart(7)} µs/job  ${(100 * t / busy).toFixed(1).padStart(5)} %  ${g}`);

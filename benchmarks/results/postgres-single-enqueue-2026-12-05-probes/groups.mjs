// Self time of a .cpuprofile of PostgreSQL single enqueues, grouped by where the code lives, in µs per job
// (wall, profiled), then the top functions by self time:
//   node groups.mjs <file.cpuprofile> <jobs> [top=25]
import { readFileSync } from "node:fs";

const profile = JSON.parse(readFileSync(process.argv[2], "utf8"));
const jobs = Number(process.argv[3]);
const top = Number(process.argv[4] ?? 25);

// First match wins: [group, test on (function name, url)].
const rules = [
  ["idle (waiting for PostgreSQL)", (name) => name === "(idle)"],
  ["garbage collection", (name) => name === "(garbage collector)"],
  ["socket write (wall)", (name) => ["writev", "writeUtf8String", "writeBuffer", "writeLatin1String"].includes(name)],
  ["the profiler itself", (_, url) => url.includes("inspector")],
  ["event loop, microtasks, nextTick", (name) => ["(program)", "runMicrotasks", "processTicksAndRejections", "nextTick"].includes(name)],
  ["pg driver (pg, pg-protocol, pg-pool, pg-types)", (_, url) => url.includes("node_modules/pg")],
  ["core: envelope, args", (_, url) => url.includes("packages/core/src/envelope") || url.includes("args-serializer")],
  ["core: coalescer/lane", (_, url) => url.includes("enqueue-coalescer") || url.includes("send-in-batches")],
  ["core: records", (_, url) => url.includes("packages/core/src/records")],
  ["core: enqueue (options, id, middleware, delivery)", (_, url) => url.includes("packages/core")],
  ["postgres adapter", (_, url) => url.includes("packages/postgres")],
  ["bench harness", (_, url) => url.includes("apps/bench")],
  ["node internals (streams, net, buffers, crypto)", (_, url) => url.startsWith("node:") || url === ""],
];
const groupOf = ({ functionName, url }) => rules.find(([, test]) => test(functionName, url))?.[0] ?? "other";
const place = ({ functionName, url, lineNumber }) => `${functionName || "(anon)"} ${url.split("/").slice(-2).join("/")}:${lineNumber + 1}`;

const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
const byGroup = new Map();
const byFunction = new Map();
const add = (map, key, time) => map.set(key, (map.get(key) ?? 0) + time);
profile.samples.forEach((id, index) => {
  const frame = frames.get(id);
  const time = profile.timeDeltas[index] ?? 0;
  add(byGroup, groupOf(frame), time);
  add(byFunction, place(frame), time);
});
const perJob = (time) => (time / jobs).toFixed(2).padStart(6);
const busy = [...byGroup].filter(([group]) => !group.startsWith("idle")).reduce((sum, [, time]) => sum + time, 0);
console.log(`busy ${perJob(busy).trim()} µs/job`);
for (const [group, time] of [...byGroup].sort((a, b) => b[1] - a[1])) console.log(`${perJob(time)}  ${group}`);
console.log("-- top functions (self) --");
for (const [where, time] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${perJob(time)}  ${where}`);

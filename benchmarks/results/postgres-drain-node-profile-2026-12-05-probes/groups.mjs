// Self time of a .cpuprofile of a PostgreSQL drain, grouped by where the code lives, in µs per job (wall, profiled).
//   node groups.mjs <file.cpuprofile> <jobs>
import { readFileSync } from "node:fs";
const profile = JSON.parse(readFileSync(process.argv[2], "utf8"));
const jobs = Number(process.argv[3]);
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfTime = new Map();
profile.samples.forEach((id, index) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
const group = ({ url, functionName: name }) => {
  if (name === "(idle)") return "idle (waiting for PostgreSQL)";
  if (name === "(garbage collector)") return "garbage collection";
  if (name === "writev" || name === "writeUtf8String" || name === "writeBuffer") return "socket write (wall: off the CPU while the server runs)";
  if (url.includes("inspector")) return "the profiler itself";
  if (name === "(program)" || name === "runMicrotasks" || name === "processTicksAndRejections" || name === "nextTick") return "event loop, microtasks, nextTick";
  if (url.includes("node_modules/pg")) return "pg, pg-protocol, pg-pool, pg-types (driver)";
  if (url.includes("packages/core/src/envelope")) return "core: envelope decode and checks";
  if (url.includes("packages/core/src/worker")) return "core: worker, message handler, job run";
  if (url.includes("packages/core")) return "core: other";
  if (url.includes("packages/postgres")) return "postgres adapter";
  if (url.includes("apps/bench")) return "bench harness (counting, no-op job)";
  if (url.startsWith("node:") || url === "") return "node internals (streams, net, buffers, timers)";
  return "other";
};
const groups = new Map();
for (const [id, time] of selfTime) groups.set(group(byId.get(id).callFrame), (groups.get(group(byId.get(id).callFrame)) ?? 0) + time);
for (const [name, time] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`${(time / jobs).toFixed(2).padStart(6)}  ${name}`);

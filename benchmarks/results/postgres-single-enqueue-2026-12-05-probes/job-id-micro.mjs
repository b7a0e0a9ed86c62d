// CPU and heap garbage per id: crypto.randomUUID() against the core's randomJobId(), each id then put in a JSON
// text as the envelope does (so a cons string is flattened as it would be):
//   node benchmarks/results/postgres-single-enqueue-2026-12-05-probes/job-id-micro.mjs [ids=2000000]
import { randomUUID } from "node:crypto";
import { GCProfiler, getHeapStatistics } from "node:v8";
import { randomJobId } from "../../../packages/core/src/job-id.ts";

const ids = Number(process.argv[2] ?? 2_000_000);
let sink = 0;
function measure(name, make) {
  const profiler = new GCProfiler();
  profiler.start();
  const heapBefore = getHeapStatistics().used_heap_size;
  const cpu = process.cpuUsage();
  for (let index = 0; index < ids; index++) sink += JSON.stringify({ id: make() }).length;
  const used = process.cpuUsage(cpu);
  const heapAfter = getHeapStatistics().used_heap_size;
  let allocated = 0;
  let last = heapBefore;
  for (const gc of profiler.stop().statistics) {
    allocated += gc.beforeGC.heapStatistics.usedHeapSize - last;
    last = gc.afterGC.heapStatistics.usedHeapSize;
  }
  allocated += heapAfter - last;
  console.log(`${name}: ${(((used.user + used.system) / ids) * 1000).toFixed(0)} ns CPU, ${(allocated / ids).toFixed(0)} B allocated per id (with its JSON text)`);
}
for (let round = 0; round < 3; round++) {
  measure("randomUUID ", randomUUID);
  measure("randomJobId", randomJobId);
}
if (sink === 0) console.log("");

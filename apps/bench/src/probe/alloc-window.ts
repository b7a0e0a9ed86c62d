/**
 * Where a drain's allocations come from, by allocating function (V8's sampling heap profiler, every 512 bytes on
 * average), per drained job: the garbage a job leaves for the collector.
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings \
 *     src/probe/alloc-window.ts <library> <connection> [jobs] [concurrency] [top]
 * PROBE_MODE=single: the window is `jobs` single enqueues with `concurrency` callers in flight instead (the garbage
 * each enqueued job leaves).
 */
import { Session } from "node:inspector/promises";
import { createSubject } from "../subjects/create-subject.js";
import { consumeCount, enqueueInBatches, makeJobs, withCallers } from "../scenarios/scenario-context.js";

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

const [library = "hopper", connection = "", jobsText = "20000", concurrencyText = "10", topText = "30"] = process.argv.slice(2);
const jobs = Number(jobsText);
const subject = await createSubject({ library, connection } as never);
const session = new Session();
session.connect();
try {
  const warm = `alloc-${process.pid}-warm`;
  await subject.prepare(warm);
  const warmJobs = makeJobs(2000);
  await withCallers(warmJobs.length, 10, (index) => subject.enqueueOne(warm, warmJobs[index]!));
  await consumeCount(subject, warm, Number(concurrencyText), warmJobs.length, 30_000);
  const measured = `alloc-${process.pid}-measured`;
  await subject.prepare(measured);
  const single = process.env.PROBE_MODE === "single";
  const list = makeJobs(jobs);
  if (!single) await enqueueInBatches(subject, measured, list, 1000);
  await session.post("HeapProfiler.startSampling", { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  if (single) await withCallers(list.length, Number(concurrencyText), (index) => subject.enqueueOne(measured, list[index]!));
  else await consumeCount(subject, measured, Number(concurrencyText), jobs, 120_000);
  const { profile } = await session.post("HeapProfiler.stopSampling");
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: SamplingNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = `${functionName || "(anonymous)"} ${url.replace(/^.*\/(packages|apps|node_modules)\//, "$1/")}:${lineNumber + 1}`;
    bySite.set(where, (bySite.get(where) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(profile.head as SamplingNode);
  console.log(`${library} ${single ? "single enqueue, callers" : "drain c"}=${concurrencyText}: ${(total / jobs).toFixed(0)} bytes allocated per job (sampled)`);
  for (const [where, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(topText))) console.log(`${(bytes / jobs).toFixed(0).padStart(6)} B/job  ${where}`);
} finally {
  session.disconnect();
  await subject.close();
}

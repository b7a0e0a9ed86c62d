/**
 * What one subject's enqueue or drain allocates (apps/bench/src/probe/profile-window.ts, with V8's sampling
 * heap profiler in place of the CPU profiler; objects collected by either GC are kept in the samples, so the
 * figures are bytes allocated, not bytes kept):
 *   cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs \
 *     ../../benchmarks/results/records-node-cpu-2026-12-03-probes/alloc-window.ts \
 *     <library> <connection> <jobs> <single|bulk|drain> <out.heapprofile> [concurrency]
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { createSubject } from "../../../apps/bench/src/subjects/create-subject.js";
import { consumeCount, enqueueInBatches, makeJobs, withCallers } from "../../../apps/bench/src/scenarios/scenario-context.js";

const [library = "hopper", connection = "", jobsText = "20000", mode = "single", out = "window.cpuprofile", concurrencyText = "10"] = process.argv.slice(2);
const jobs = Number(jobsText);
const concurrency = Number(concurrencyText);
const subject = await createSubject({ library, connection } as never);
const session = new Session();
session.connect();
let serial = 0;
const queue = () => `profile-${process.pid}-${(serial += 1)}`;
try {
  const warm = queue();
  await subject.prepare(warm);
  const warmJobs = makeJobs(2000);
  await withCallers(warmJobs.length, 10, (index) => subject.enqueueOne(warm, warmJobs[index]!));
  await consumeCount(subject, warm, concurrency, warmJobs.length, 30_000);
  const measured = queue();
  await subject.prepare(measured);
  const list = makeJobs(jobs);
  if (mode === "drain") await enqueueInBatches(subject, measured, list, 1000);
  await session.post("HeapProfiler.enable");
  await session.post("HeapProfiler.startSampling", { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const cpu = process.cpuUsage();
  const startedAt = performance.now();
  if (mode === "single") await withCallers(list.length, 10, (index) => subject.enqueueOne(measured, list[index]!));
  else if (mode === "bulk") await enqueueInBatches(subject, measured, list, 1000);
  else await consumeCount(subject, measured, concurrency, jobs, 120_000);
  const elapsed = performance.now() - startedAt;
  const used = process.cpuUsage(cpu);
  const { profile } = await session.post("HeapProfiler.stopSampling");
  writeFileSync(out, JSON.stringify(profile));
  console.log(`${library} ${mode}: ${jobs} jobs in ${elapsed.toFixed(0)} ms, node CPU ${((used.user + used.system) / jobs).toFixed(1)} µs/job (heap-sampled)`);
  if (mode !== "drain") await consumeCount(subject, measured, 50, jobs, 60_000);
} finally {
  session.disconnect();
  await subject.close();
}

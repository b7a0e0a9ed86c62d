/**
 * What is live in the middle of a drain: a heap snapshot (after the full collection it makes) taken
 * `HEAP_AT_MS` after the timed drain starts, so records on and off can be compared by object kind.
 *   cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs \
 *     ../../benchmarks/results/records-node-cpu-2026-12-03-probes/live-during-drain.ts \
 *     hopper <connection> <jobs> <out.heapsnapshot> [concurrency]
 */
import { writeHeapSnapshot } from "node:v8";
import { createSubject } from "../../../apps/bench/src/subjects/create-subject.js";
import { consumeCount, enqueueInBatches, makeJobs, withCallers } from "../../../apps/bench/src/scenarios/scenario-context.js";

const [library = "hopper", connection = "", jobsText = "20000", out = "drain.heapsnapshot", concurrencyText = "10"] = process.argv.slice(2);
const jobs = Number(jobsText);
const concurrency = Number(concurrencyText);
const atMs = Number(process.env.HEAP_AT_MS ?? 1000);
const subject = await createSubject({ library, connection } as never);
let serial = 0;
const queue = () => `live-${process.pid}-${(serial += 1)}`;
try {
  const warm = queue();
  await subject.prepare(warm);
  const warmJobs = makeJobs(2000);
  await withCallers(warmJobs.length, 10, (index) => subject.enqueueOne(warm, warmJobs[index]!));
  await consumeCount(subject, warm, concurrency, warmJobs.length, 30_000);
  const measured = queue();
  await subject.prepare(measured);
  await enqueueInBatches(subject, measured, makeJobs(jobs), 1000);
  let written = "";
  const timer = setTimeout(() => {
    written = writeHeapSnapshot(out);
  }, atMs);
  await consumeCount(subject, measured, concurrency, jobs, 120_000);
  clearTimeout(timer);
  console.log(`${library} drain of ${jobs}: snapshot ${written || "not taken (drain ended first)"}`);
} finally {
  await subject.close();
}

/**
 * Node CPU per drained job, without a profiler: for each concurrency, N jobs are bulk-enqueued, the
 * enqueue's garbage is collected (`--expose-gc`), then the drain alone is timed with process.cpuUsage().
 * cost-per-job's drain figure also pays for collecting the enqueue's garbage; this one does not, so
 * two builds of the worker compare on the drain's own work (run them alternately: the machine is shared).
 *   node --expose-gc --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings \
 *     src/probe/drain-cpu.ts <library> <connection> [jobs] [concurrencies, e.g. 1,10,50] [rounds]
 * Prints one line per concurrency: the median and every round's µs/job (user + system).
 */
import { createSubject } from "../subjects/create-subject.js";
import { consumeCount, enqueueInBatches, makeJobs, withCallers } from "../scenarios/scenario-context.js";

const [library = "hopper", connection = "", jobsText = "10000", concurrencyText = "1,10,50", roundsText = "3"] = process.argv.slice(2);
const jobs = Number(jobsText);
const concurrencies = concurrencyText.split(",").map(Number);
const rounds = Number(roundsText);
const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});
const subject = await createSubject({ library, connection } as never);
let serial = 0;
const queue = () => `drain-cpu-${process.pid}-${(serial += 1)}`;
const perJob = new Map<number, number[]>(concurrencies.map((c) => [c, []]));
try {
  const warm = queue();
  await subject.prepare(warm);
  const warmJobs = makeJobs(2000);
  await withCallers(warmJobs.length, 10, (index) => subject.enqueueOne(warm, warmJobs[index]!));
  await consumeCount(subject, warm, 10, warmJobs.length, 30_000);
  for (let round = 0; round < rounds; round++) {
    for (const concurrency of concurrencies) {
      const measured = queue();
      await subject.prepare(measured);
      await enqueueInBatches(subject, measured, makeJobs(jobs), 1000);
      collect();
      const cpu = process.cpuUsage();
      await consumeCount(subject, measured, concurrency, jobs, 120_000);
      const used = process.cpuUsage(cpu);
      perJob.get(concurrency)!.push((used.user + used.system) / jobs);
    }
  }
  for (const [concurrency, figures] of perJob) {
    const sorted = [...figures].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(`${library} drain c=${concurrency}: node CPU ${median.toFixed(1)} µs/job (median of ${figures.length}: ${figures.map((figure) => figure.toFixed(1)).join(", ")})`);
  }
} finally {
  await subject.close();
}

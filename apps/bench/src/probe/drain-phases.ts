/**
 * Where a short drain's time goes, per phase, for the Hopper subject as `pnpm bench` times it: from
 * `consume` (the worker starting) to the first job, and from the first job to the last. The bench's
 * drain column counts both; a fixed cost in the first phase (a worker's start) weighs on a 2,000-job
 * drain that lasts a tenth of a second. Rounds alternate HOPPER_BENCH_RECORDS-style modes in one process
 * each (set the env per run); prints medians of `rounds`.
 *   pnpm --filter @hopper/bench drain-phases <connection> [jobs] [rounds] [concurrency]
 */
import { createSubject } from "../subjects/create-subject.js";
import { enqueueInBatches, makeJobs } from "../scenarios/scenario-context.js";
import { now } from "../subjects/bench-subject.js";

const [connection = process.env.HOPPER_TEST_REDIS_URL ?? "", jobsText = "2000", roundsText = "7", concurrencyText = "10"] = process.argv.slice(2);
const jobs = Number(jobsText);
const rounds = Number(roundsText);
const concurrency = Number(concurrencyText);
const subject = await createSubject({ library: "hopper", connection } as never);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const toFirst: number[] = [];
const firstToLast: number[] = [];
try {
  for (let round = 0; round <= rounds; round += 1) {
    const queue = `phases-${process.pid}-${round}`;
    await subject.prepare(queue);
    await enqueueInBatches(subject, queue, makeJobs(jobs), 100);
    let done = 0;
    let firstAt = 0;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const startedAt = now();
    const consumer = await subject.consume(queue, concurrency, () => {
      done += 1;
      if (done === 1) firstAt = now();
      if (done === jobs) finish();
    });
    await finished;
    const lastAt = now();
    await consumer.stop();
    // Round 0 warms the process up (scripts loaded, connections open).
    if (round > 0) {
      toFirst.push(firstAt - startedAt);
      firstToLast.push(lastAt - firstAt);
    }
  }
  console.log(
    `records ${process.env.HOPPER_BENCH_RECORDS ?? "off"}: start to first job ${median(toFirst).toFixed(1)} ms [${toFirst.map((ms) => ms.toFixed(1)).join(" ")}], ` +
      `first to last ${median(firstToLast).toFixed(1)} ms [${firstToLast.map((ms) => ms.toFixed(1)).join(" ")}], drain ${((jobs / (median(toFirst) + median(firstToLast))) * 1000).toFixed(0)} jobs/s`,
  );
} finally {
  await subject.close();
}

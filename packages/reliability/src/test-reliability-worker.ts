// Child process of the reliability scenarios: one Hopper worker on
// RELIABILITY_URL that records completions in RELIABILITY_LEDGER. With
// RELIABILITY_MEMORY_MS it prints "memory <heapUsed> <rss>" (after a full GC,
// when run with --expose-gc) at that interval. SIGTERM stops it gracefully;
// the crash scenario SIGKILLs it instead.
import { createConsoleLogger, createHopper } from "@hopper/core";
import { reliabilityJobClass } from "./reliability-job.js";

const url = process.env.RELIABILITY_URL!;
const queue = process.env.RELIABILITY_QUEUE!;
const ReliabilityJob = reliabilityJobClass(queue, process.env.RELIABILITY_LEDGER);
// Errors go to stderr, where the parent counts them.
const hopper = createHopper({ url, jobs: [ReliabilityJob], logger: createConsoleLogger("error") });
const worker = hopper.worker({
  queues: [queue],
  concurrency: Number(process.env.RELIABILITY_CONCURRENCY ?? 20),
  lease: process.env.RELIABILITY_LEASE ?? "3s",
  pollWait: "1s",
  shutdownTimeout: "5s",
});

const memoryIntervalMs = Number(process.env.RELIABILITY_MEMORY_MS ?? 0);
if (memoryIntervalMs > 0) {
  setInterval(() => {
    (globalThis as { gc?: () => void }).gc?.();
    const usage = process.memoryUsage();
    process.stdout.write(`memory ${usage.heapUsed} ${usage.rss}\n`);
  }, memoryIntervalMs).unref();
}

process.stdout.write("ready\n");
await worker.run();
await hopper.close();
process.exit(0);

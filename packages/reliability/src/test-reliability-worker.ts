// Child process of the reliability scenarios: one Hopper worker on the
// connection in RELIABILITY_CONNECTION (else RELIABILITY_URL) that records its
// runs in RELIABILITY_LEDGER. With RELIABILITY_MEMORY_MS it prints
// "memory <heapUsed> <rss>" (after a full GC, when run with --expose-gc) at
// that interval. RELIABILITY_MIX=realistic registers the crash run's whole job mix. SIGTERM stops it gracefully: once `run()` has resolved (stop()
// is done) it appends `stopped <ms>` to its ledger, so the parent can check that
// no job started after that and none was left running. With the realistic mix it also
// appends `a <jobId> <ms>` when a message's ack resolved and `af <jobId> <ms>` when it
// rejected, so the parent knows which completions were acked without guessing from times.
import { appendFileSync } from "node:fs";
import { ConfigurationError, createConsoleLogger } from "@hopper/core";
import { connectionVariable, openReliabilityHopper, type ReliabilityConnection } from "./reliability-hopper.js";
import { reliabilityJobClasses } from "./reliability-job.js";
import { recordAcks } from "./ack-ledger.js";

const connection: ReliabilityConnection = process.env[connectionVariable] ? JSON.parse(process.env[connectionVariable]) : { url: process.env.RELIABILITY_URL! };
const queue = process.env.RELIABILITY_QUEUE!;
const ledgerFile = process.env.RELIABILITY_LEDGER;
const classes = reliabilityJobClasses(queue, ledgerFile);
// The realistic mix needs a coordination store (unique jobs, concurrency limits); the load run's plain job does not.
const jobs = process.env.RELIABILITY_MIX === "realistic" ? Object.values(classes) : [classes.ReliabilityJob];
// Errors go to stderr, where the parent counts them.
const hopper = await openReliabilityHopper(connection, jobs, createConsoleLogger("error"));
if (ledgerFile && process.env.RELIABILITY_MIX === "realistic") recordAcks(await openedBackend(), ledgerFile);
const worker = hopper.worker({
  queues: [queue],
  concurrency: Number(process.env.RELIABILITY_CONCURRENCY ?? 20),
  // A worker holds at most concurrency + 2 × prefetch messages: the crash run's duplicate bound rests on it.
  prefetch: Number(process.env.RELIABILITY_PREFETCH ?? 20),
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

/** The backend once it opens: a worker started while the server is down waits for it, as `run()` would, instead of dying. */
async function openedBackend() {
  for (;;) {
    try {
      return await hopper.backend;
    } catch (error) {
      if (ConfigurationError.isInstance(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

process.stdout.write("ready\n");
await worker.run();
if (ledgerFile) appendFileSync(ledgerFile, `stopped ${Date.now()}\n`);
await hopper.close();
process.exit(0);

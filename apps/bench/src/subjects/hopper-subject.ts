import { createHopper, Job, prefetchLimit, type JobContext, type Worker } from "@hopper/core";
import type { BenchJob, BenchSubject, JobHandler } from "./bench-subject.js";
import { benchDashboard } from "./hopper-dashboard.js";
import { benchRateLimits } from "./hopper-rate-limits.js";
import { benchRecords } from "./hopper-records.js";
import { benchRedisLeases } from "./hopper-redis-leases.js";
import { benchTelemetry } from "./hopper-telemetry.js";

// Says it writes nothing, as pino or winston at a level above it would: Hopper then builds no per-job debug line.
const silentLogger = { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: () => false };
/** The envelope around the args: id, names, timestamps. Kept out of the padding so payload sizes stay comparable. */
const envelopeAllowanceBytes = 512;
/**
 * Messages each worker holds beyond its running jobs: the worker's own default for the backend (the results say
 * it), unless HOPPER_BENCH_PREFETCH names another (for A/B runs of the claim size; the results then say it).
 */
const prefetchOption = benchPrefetch(process.env.HOPPER_BENCH_PREFETCH);

/** Hopper through its public API (`createHopper({ url })`), on whatever backend the URL names. */
export async function createHopperSubject(url: string): Promise<BenchSubject> {
  const handlers = new Map<string, JobHandler>();
  class BenchNoop extends Job<BenchJob> {
    static override jobName = "BenchNoop";
    // Returns the handler's promise rather than awaiting it (as the peers' glue does): no suspended frame of the bench's own per job.
    async perform(args: BenchJob, context: JobContext): Promise<void> {
      return handlers.get(context.queue)?.(args);
    }
  }
  const telemetry = await benchTelemetry(process.env.HOPPER_BENCH_TELEMETRY);
  const records = benchRecords(process.env.HOPPER_BENCH_RECORDS);
  const rateLimits = benchRateLimits(process.env.HOPPER_BENCH_RATE_LIMITS);
  const leases = benchRedisLeases(process.env.HOPPER_BENCH_REDIS_LEASES);
  const hopper = createHopper({ url: leases.url(url), jobs: [BenchNoop, ...rateLimits.jobs], logger: silentLogger, middleware: telemetry.middleware, ...records.options, ...rateLimits.options });
  const dashboard = await benchDashboard(hopper, process.env.HOPPER_BENCH_DASHBOARD);
  const backend = await hopper.backend;
  const { capabilities } = backend;
  const prefetch = prefetchLimit(capabilities, prefetchOption);

  return {
    maxPayloadBytes: capabilities.maxPayloadBytes - envelopeAllowanceBytes,
    supportsDelay: true,
    async prepare(queue) {
      // A receive creates whatever the backend creates lazily (SQS queue, Pub/Sub topic and subscription).
      const stray = await backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: Math.max(1000, capabilities.minLeaseMs) });
      await Promise.all(stray.map((message) => message.ack()));
    },
    async enqueueOne(queue, job, delayMs) {
      await hopper.enqueue(BenchNoop, job, { queue, ...(delayMs !== undefined && { wait: delayMs }) });
    },
    async enqueueMany(queue, jobs) {
      await hopper.enqueueAll(BenchNoop, jobs, { queue });
    },
    async consume(queue, concurrency, handler) {
      handlers.set(queue, handler);
      const worker: Worker = hopper.worker({ queues: [queue], concurrency, prefetch, pollWait: "1s", handleSignals: false });
      const running = worker.run();
      running.catch(() => {});
      dashboard.open();
      return {
        async stop() {
          await worker.stop({ timeout: 5000 });
          await running.catch(() => {});
          handlers.delete(queue);
        },
      };
    },
    shape: (concurrency) => ({
      concurrency,
      // Running jobs plus the buffer (sized to about a quarter second of work at the recent pace, at most `prefetch`).
      prefetch: concurrency + prefetch,
      ackOverlapsReceive: true,
      settings: { pollWait: "1s", prefetch, records: records.mode, dashboard: dashboard.mode, rateLimits: rateLimits.mode },
    }),
    async close() {
      await dashboard.close();
      await hopper.close();
      await telemetry.shutdown();
    },
  };
}

function benchPrefetch(text: string | undefined): number | undefined {
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`HOPPER_BENCH_PREFETCH must be a whole number of messages, got ${JSON.stringify(text)}`);
  return value;
}

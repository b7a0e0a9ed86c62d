import { createPostgresBackend, Queue, Worker, type ConnectionOptions } from "bullmq";
import type { BenchJob, BenchSubject, Consumer } from "./bench-subject.js";
import { bullmqPostgresVariants, bullmqVariants, settingsFor } from "./peer-settings.js";

function redisConnectionFrom(text: string): ConnectionOptions {
  const url = new URL(text);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username && { username: decodeURIComponent(url.username) }),
    ...(url.password && { password: decodeURIComponent(url.password) }),
    ...(url.pathname.length > 1 && { db: Number(url.pathname.slice(1)) }),
    ...(url.protocol === "rediss:" && { tls: {} }),
    maxRetriesPerRequest: null,
  };
}

const jobOptions = { removeOnComplete: true, removeOnFail: true };
/** The producer's pool on PostgreSQL: node-postgres's default, enough for the 10 enqueue calls in flight. */
const producerPoolSize = 10;

/** The Queue and Worker constructors for one BullMQ backend, so the subject below is written once. */
interface BullmqBackend {
  readonly library: "bullmq" | "bullmq-postgres";
  queue(name: string): Queue<BenchJob>;
  worker(name: string, concurrency: number, handler: (data: BenchJob) => Promise<void> | void, poolSize: number | undefined): Worker<BenchJob>;
}

function redisBackend(url: string): BullmqBackend {
  const connection = redisConnectionFrom(url);
  const prefix = "bench-bull";
  return {
    library: "bullmq",
    queue: (name) => new Queue<BenchJob>(name, { connection, prefix, defaultJobOptions: jobOptions }),
    worker: (name, concurrency, handler) => new Worker<BenchJob>(name, async (job) => handler(job.data), { connection, prefix, concurrency, autorun: true }),
  };
}

/** BullMQ 6's PostgreSQL backend (`createPostgresBackend`, shipped inside the bullmq package; pg is its peer dependency). */
function postgresBackend(connectionString: string): BullmqBackend {
  const schema = "bench_bullmq";
  return {
    library: "bullmq-postgres",
    queue: (name) => new Queue<BenchJob>(name, { connection: { connectionString, schema, migrate: true, max: producerPoolSize }, defaultJobOptions: jobOptions } as never, createPostgresBackend as never),
    worker: (name, concurrency, handler, poolSize) =>
      new Worker<BenchJob>(name, async (job) => handler(job.data), { connection: { connectionString, schema, migrate: true, max: poolSize ?? 10 }, concurrency, autorun: true } as never, createPostgresBackend as never),
  };
}

/**
 * BullMQ as its docs recommend for throughput: Queue.add / addBulk, Workers
 * whose `concurrency` adds up to c, completed jobs removed. The same code on
 * Redis and on BullMQ's PostgreSQL backend.
 */
export async function createBullmqSubject(connection: string, variant: string | undefined, on: "redis" | "postgres"): Promise<BenchSubject> {
  const backend = on === "redis" ? redisBackend(connection) : postgresBackend(connection);
  const { name: variantName, at } = settingsFor(backend.library, backend.library === "bullmq" ? bullmqVariants : bullmqPostgresVariants, variant);
  const queues = new Map<string, Queue<BenchJob>>();
  const queueOf = async (name: string) => {
    let queue = queues.get(name);
    if (!queue) {
      queue = backend.queue(name);
      queues.set(name, queue);
      await queue.waitUntilReady();
    }
    return queue;
  };
  return {
    maxPayloadBytes: 512 * 1024 * 1024,
    supportsDelay: true,
    async prepare(name) {
      await queueOf(name);
    },
    async enqueueOne(name, job, delayMs) {
      await (await queueOf(name)).add("noop", job, delayMs === undefined ? {} : { delay: delayMs });
    },
    async enqueueMany(name, jobs) {
      await (await queueOf(name)).addBulk(jobs.map((data) => ({ name: "noop", data })));
    },
    async consume(name, concurrency, handler): Promise<Consumer> {
      const settings = at(concurrency);
      const workers = Array.from({ length: settings.workers }, (_, index) => {
        // c split across the workers, the first ones taking the remainder.
        const share = Math.floor(concurrency / settings.workers) + (index < concurrency % settings.workers ? 1 : 0);
        const worker = backend.worker(name, share, handler, settings.poolSize);
        worker.on("error", () => {});
        return worker;
      });
      await Promise.all(workers.map((worker) => worker.waitUntilReady()));
      return { stop: async () => void (await Promise.all(workers.map((worker) => worker.close()))) };
    },
    shape(concurrency) {
      const settings = at(concurrency);
      return {
        concurrency,
        // Each slot fetches one job; the call that completes a job fetches the slot's next one.
        prefetch: concurrency,
        ackOverlapsReceive: false,
        variant: variantName,
        settings: { ...settings, workerConcurrency: Math.ceil(concurrency / settings.workers), completion: "moveToFinished also fetches the next job" },
      };
    },
    async close() {
      for (const queue of queues.values()) {
        await queue.obliterate({ force: true }).catch(() => {});
        await queue.close();
      }
    },
  };
}

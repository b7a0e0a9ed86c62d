import { Queue, Worker, type ConnectionOptions } from "bullmq";
import type { BenchJob, BenchSubject } from "./bench-subject.js";

function connectionFrom(text: string): ConnectionOptions {
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

/** BullMQ as its docs recommend for throughput: Queue.add / addBulk, a Worker with `concurrency`, completed jobs removed. */
export async function createBullmqSubject(url: string): Promise<BenchSubject> {
  const connection = connectionFrom(url);
  const queues = new Map<string, Queue<BenchJob>>();
  const queueOf = (name: string) => {
    const queue = queues.get(name);
    if (!queue) throw new Error(`queue ${name} was not prepared`);
    return queue;
  };
  return {
    maxPayloadBytes: 512 * 1024 * 1024,
    supportsDelay: true,
    async prepare(name) {
      const queue = new Queue<BenchJob>(name, { connection, prefix: "bench-bull", defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
      await queue.waitUntilReady();
      queues.set(name, queue);
    },
    async enqueueOne(name, job, delayMs) {
      await queueOf(name).add("noop", job, delayMs === undefined ? {} : { delay: delayMs });
    },
    async enqueueMany(name, jobs) {
      await queueOf(name).addBulk(jobs.map((data) => ({ name: "noop", data })));
    },
    async consume(name, concurrency, handler) {
      const worker = new Worker<BenchJob>(name, async (job) => handler(job.data), { connection, prefix: "bench-bull", concurrency, autorun: true });
      worker.on("error", () => {});
      await worker.waitUntilReady();
      return { stop: () => worker.close() };
    },
    async close() {
      for (const queue of queues.values()) {
        await queue.obliterate({ force: true }).catch(() => {});
        await queue.close();
      }
    },
  };
}

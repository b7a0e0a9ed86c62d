import PgBoss from "pg-boss";
import type { BenchJob, BenchSubject } from "./bench-subject.js";

/** pg-boss 10's shortest polling interval; its worker waits this long between fetches unless a fetch took longer. */
const pollingIntervalSeconds = 0.5;

/**
 * pg-boss 10 tuned for throughput: send / insert, one `work` per queue fetching
 * `concurrency` jobs at a time (batchSize) and running them together, polling
 * at the shortest interval it allows.
 */
export async function createPgBossSubject(connectionString: string): Promise<BenchSubject> {
  const boss = new PgBoss({ connectionString, schema: "bench_pgboss", max: 10, supervise: false, schedule: false });
  boss.on("error", () => {});
  await boss.start();
  const queues = new Set<string>();
  return {
    maxPayloadBytes: 100 * 1024 * 1024,
    supportsDelay: true,
    async prepare(queue) {
      await boss.createQueue(queue);
      queues.add(queue);
    },
    async enqueueOne(queue, job, delayMs) {
      await boss.send(queue, job as unknown as object, delayMs === undefined ? {} : { startAfter: new Date(Date.now() + delayMs) });
    },
    async enqueueMany(queue, jobs) {
      await boss.insert(jobs.map((data) => ({ name: queue, data: data as unknown as object })));
    },
    async consume(queue, concurrency, handler) {
      await boss.work<BenchJob>(queue, { batchSize: concurrency, pollingIntervalSeconds }, async (jobs) => {
        await Promise.all(jobs.map((job) => handler(job.data)));
      });
      return { stop: () => boss.offWork(queue) };
    },
    async close() {
      for (const queue of queues) await boss.deleteQueue(queue).catch(() => {});
      await boss.stop({ graceful: false, wait: true, timeout: 5000 });
    },
  };
}

import { PgBoss } from "pg-boss";
import { createLimiter, type BenchJob, type BenchSubject } from "./bench-subject.js";
import { pgBossVariants, settingsFor } from "./peer-settings.js";

/**
 * pg-boss 12 as its maintainer recommends for throughput: `batchSize` jobs per
 * fetch, handled concurrently inside the handler (pg-boss leaves per-batch
 * concurrency to the handler), `localConcurrency` polling workers, burst
 * fetching while batches come back full, LISTEN/NOTIFY wake-ups (delayed jobs get
 * none and wait for the poll, so the poll stays at 0.5 s with NOTIFY on). The handler
 * runs at most c jobs at once across every batch of the process, so c means
 * the same as for every other subject; the batch is the prefetch.
 */
export async function createPgBossSubject(connectionString: string, variant?: string): Promise<BenchSubject> {
  const { name, at } = settingsFor("pg-boss", pgBossVariants, variant);
  // Pool size and LISTEN/NOTIFY are per instance; no variant varies them with c.
  const instance = at(1);
  // supervise and schedule at pg-boss's defaults (on): its constructor docs call turning them off "an
  // advanced use case, and not something you would want to do under normal circumstances".
  const boss = new PgBoss({ connectionString, schema: "bench_pgboss", max: instance.poolSize, useListenNotify: instance.listenNotify });
  boss.on("error", () => {});
  await boss.start();
  const queues = new Set<string>();
  return {
    maxPayloadBytes: 100 * 1024 * 1024,
    supportsDelay: true,
    async prepare(queue) {
      await boss.createQueue(queue, { notify: instance.listenNotify });
      queues.add(queue);
    },
    async enqueueOne(queue, job, delayMs) {
      await boss.send(queue, job as unknown as object, delayMs === undefined ? {} : { startAfter: new Date(Date.now() + delayMs) });
    },
    async enqueueMany(queue, jobs) {
      await boss.insert(
        queue,
        jobs.map((data) => ({ data: data as unknown as object })),
      );
    },
    async consume(queue, concurrency, handler) {
      const settings = at(concurrency);
      const limit = createLimiter(concurrency);
      await boss.work<BenchJob>(
        queue,
        { batchSize: settings.batchSize, localConcurrency: settings.localConcurrency, burstWhenBatchFull: settings.burstWhenBatchFull, pollingIntervalSeconds: settings.pollingIntervalSeconds, notifyPollingIntervalSeconds: settings.notifyPollingIntervalSeconds },
        async (jobs) => {
          await Promise.all(jobs.map((job) => limit(() => handler(job.data))));
        },
      );
      return { stop: () => boss.offWork(queue, { wait: true }) };
    },
    shape(concurrency) {
      const settings = at(concurrency);
      return {
        concurrency,
        prefetch: settings.batchSize * settings.localConcurrency,
        // A batch completes after its last job; only another polling worker fetches meanwhile.
        ackOverlapsReceive: settings.localConcurrency > 1,
        variant: name,
        settings: { ...settings },
      };
    },
    async close() {
      for (const queue of queues) await boss.deleteQueue(queue).catch(() => {});
      await boss.stop({ graceful: false, timeout: 5000 });
    },
  };
}

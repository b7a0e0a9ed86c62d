import { decodeJob, encodeJob, type BenchJob, type BenchSubject, type JobHandler } from "../subjects/bench-subject.js";

/**
 * A test double of `BenchSubject` (no server): it starts each job `deliveries(index)` times, `index` being the job's
 * place in its queue's enqueue order, so a test can redeliver one job and lose another as at-least-once delivery may.
 * Jobs go through the same JSON encoding as the raw subjects', so what a scenario numbers survives as it would there.
 */
export function inProcessSubject(deliveries: (index: number) => number = () => 1): BenchSubject {
  const waiting = new Map<string, { job: BenchJob; index: number }[]>();
  const enqueued = new Map<string, number>();
  const handlers = new Map<string, JobHandler>();
  const start = (queue: string, job: BenchJob, index: number) =>
    setImmediate(async () => {
      for (let delivery = 0; delivery < deliveries(index); delivery += 1) await handlers.get(queue)?.(decodeJob(encodeJob(job)));
    });
  const add = (queue: string, job: BenchJob) => {
    const index = enqueued.get(queue) ?? 0;
    enqueued.set(queue, index + 1);
    if (handlers.has(queue)) start(queue, job, index);
    else waiting.set(queue, [...(waiting.get(queue) ?? []), { job, index }]);
  };
  return {
    maxPayloadBytes: 1024 * 1024,
    supportsDelay: true,
    async prepare() {},
    async enqueueOne(queue, job) {
      add(queue, job);
    },
    async enqueueMany(queue, jobs) {
      for (const job of jobs) add(queue, job);
    },
    async consume(queue, _concurrency, handler) {
      handlers.set(queue, handler);
      for (const { job, index } of waiting.get(queue) ?? []) start(queue, job, index);
      waiting.delete(queue);
      return {
        async stop() {
          handlers.delete(queue);
        },
      };
    },
    shape: (concurrency) => ({ concurrency, prefetch: 0, ackOverlapsReceive: false, settings: {} }),
    async close() {},
  };
}

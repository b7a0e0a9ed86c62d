import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createConsoleLogger, type CoordinationStore } from "@hopper/core";
import { HistoryRecorder, readQueueHistory } from "@hopper/core/backend";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const logger = createConsoleLogger("silent");
// Short buckets and window, so expiry shows within the test; the core's are 10 s and 60 minutes.
const bucketMs = 100;
const windowMs = 500;

/** Queue history over one store: workers' writes (entries) added up by a reader, and gone after the window. */
export function runHistorySuite(name: string, open: () => Promise<CoordinationStore>, sharedAcrossInstances: boolean): void {
  describe(`${name} queue history`, () => {
    it("adds up the buckets two workers wrote, each through its own store when they share a server", async () => {
      const queue = `suite-history-${randomUUID()}`;
      const [first, second] = sharedAcrossInstances ? [await open(), await open()] : [await open(), undefined];
      const workers = [first, second ?? first].map((coordination) => new HistoryRecorder({ coordination, logger, bucketMs, windowMs }));
      for (let index = 0; index < 3; index++) workers[0]!.sampler.completed(queue);
      workers[0]!.sampler.started(queue, Date.now() - 20);
      workers[1]!.sampler.completed(queue);
      workers[1]!.sampler.failed(queue);
      workers[1]!.sampler.dead(queue);
      workers[1]!.sampler.started(queue, Date.now() - 3000);
      await Promise.all(workers.map((worker) => worker.flush(true)));
      const history = await readQueueHistory(first, queue, 1, Date.now(), bucketMs);
      expect(history.total).toMatchObject({ completed: 4, failed: 1, dead: 1, started: 2 });
      expect(history.total.latencyP50Ms).toBeGreaterThanOrEqual(20);
      expect(history.total.latencyP99Ms).toBeGreaterThanOrEqual(3000);
      expect(history.buckets.reduce((sum, bucket) => sum + bucket.completed, 0)).toBe(4);
      // Another queue's history is apart.
      expect((await readQueueHistory(first, `${queue}-other`, 1, Date.now(), bucketMs)).total.completed).toBe(0);
    });

    it("drops buckets once the window has passed", async () => {
      const queue = `suite-history-${randomUUID()}`;
      const store = await open();
      const worker = new HistoryRecorder({ coordination: store, logger, bucketMs, windowMs });
      worker.sampler.completed(queue);
      await worker.flush(true);
      expect((await readQueueHistory(store, queue, 1, Date.now(), bucketMs)).total.completed).toBe(1);
      await sleep(windowMs + bucketMs + 300);
      expect((await readQueueHistory(store, queue, 1, Date.now(), bucketMs)).total.completed).toBe(0);
    });
  });
}

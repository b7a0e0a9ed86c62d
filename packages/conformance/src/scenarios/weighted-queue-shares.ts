import { expect } from "vitest";
import { defineScenario } from "../scenario.js";
import { testHopper, waitFor } from "../harness.js";
import { queueJobs } from "./strict-queue-order.js";

const weights = [6, 2, 1];
const concurrency = 10;
const prefetch = 20;

export const weightedQueueShares = defineScenario({
  name: "weighted queues: under saturation each queue's share of 10,000 started jobs is within 10% of its weight",
  timeoutMs: 600_000,
  async run({ backend, queue, drainScale }) {
    const names = [queue("weighted-a"), queue("weighted-b"), queue("weighted-c")];
    const started: string[] = [];
    const jobs = queueJobs(names, started);
    // Thousands of jobs go out in a few sends: on a loaded test machine an emulator may take longer than the default 5 s to answer one.
    const hopper = testHopper(backend, jobs, { connectTimeout: "60s" });
    const counted = Math.round(10_000 * drainScale);
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    // Every queue stays saturated until `counted` jobs started: its share, 10% more, and what one worker can hold.
    const enqueued = weights.map((weight) => Math.ceil(((counted * weight) / total) * 1.1) + concurrency + prefetch + names.length);
    for (const [index, job] of jobs.entries()) await hopper.enqueueAll(job, Array.from({ length: enqueued[index]! }, (_, n) => ({ n })));
    const worker = hopper.worker({ queues: Object.fromEntries(names.map((name, index) => [name, weights[index]!])), concurrency, prefetch, pollWait: 500, lease: "1m", handleSignals: false });
    const running = worker.run();
    try {
      await waitFor(() => started.length >= counted, `${counted} jobs to start`, 540_000);
    } finally {
      await worker.stop({ timeout: 5000 });
      await running;
      await hopper.close();
    }
    const served = started.slice(0, counted);
    names.forEach((name, index) => {
      const expected = (counted * weights[index]!) / total;
      const share = served.filter((each) => each === name).length;
      expect(Math.abs(share - expected), `${name} (weight ${weights[index]}) started ${share} of ${counted}, expected about ${Math.round(expected)}`).toBeLessThanOrEqual(expected * 0.1);
    });
  },
});

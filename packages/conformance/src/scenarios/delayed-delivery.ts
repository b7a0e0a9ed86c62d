import { expect } from "vitest";
import { Job } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { runWorkerUntil, testHopper } from "../harness.js";

// Through the core, so backends without native delays are held back by the worker instead.
export const delayedDelivery = defineScenario({
  name: "a job enqueued with wait does not start before its runAt",
  async run({ backend, queue }) {
    if (!backend.capabilities.delayedDelivery && !backend.capabilities.nackDelay) return;
    const name = queue("delay");
    const started: { id: string; at: number }[] = [];
    class Delayed extends Job<{ n: number }> {
      static override queue = name;
      async perform(_args: { n: number }, context: { jobId: string }) {
        started.push({ id: context.jobId, at: Date.now() });
      }
    }
    const hopper = testHopper(backend, [Delayed]);
    const enqueuedAt = Date.now();
    const delayed = await Delayed.set({ wait: 2500 }).performLater({ n: 1 });
    const immediate = await Delayed.performLater({ n: 2 });
    await runWorkerUntil(hopper, { queues: [name] }, () => started.length === 2, "both jobs to start");
    const startOf = (id: string) => started.find((entry) => entry.id === id)!.at;
    expect(startOf(delayed)).toBeGreaterThanOrEqual(enqueuedAt + 2500);
    expect(started[0]!.id).toBe(immediate);
  },
});

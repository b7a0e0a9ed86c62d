import { expect } from "vitest";
import { IterableJob, type IterationContext, type Worker } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { testHopper, waitFor } from "../harness.js";
import { countingRange } from "../iteration/counting-range.js";

export const iterableGracefulStops = defineScenario({
  name: "an iterable job stopped by worker.stop() four times processes every item exactly once, spending no attempt",
  timeoutMs: 120_000,
  async run({ backend, queue, drainScale }) {
    const name = queue("iterstop");
    const itemCount = Math.round(20_000 * drainScale);
    const times = new Uint8Array(itemCount);
    // Each stop is asked while a given item is processed, so where the runs break is deterministic.
    const stopAt = [1, 2, 3, 4].map((fifth) => Math.floor((fifth * itemCount) / 5));
    const attempts: number[] = [];
    const stepRuns = { before: 0, after: 0 };
    let current: Worker | undefined;
    let stopsAsked = 0;
    class Walk extends IterableJob<{ count: number }> {
      static override jobName = "Walk";
      static override queue = name;
      static override iteration = { checkpointItems: 500 };
      async perform({ count }: { count: number }, context: IterationContext) {
        attempts.push(context.attempt);
        await context.step("before", () => {
          stepRuns.before++;
        });
        await context.iterate("items", (after: number | undefined) => countingRange(after ?? 0, count), (item) => {
          times[item]! += 1;
          if (item === stopAt[stopsAsked]) {
            stopsAsked++;
            void current!.stop({ timeout: "60s" });
          }
        });
        await context.step("after", () => {
          stepRuns.after++;
        });
      }
    }
    const hopper = testHopper(backend, [Walk]);
    try {
      await Walk.performLater({ count: itemCount });
      for (let round = 0; stepRuns.after === 0; round++) {
        if (round > stopAt.length) throw new Error(`the job did not finish after ${round} workers`);
        const asked = stopsAsked;
        current = hopper.worker({ queues: [name], concurrency: 1, pollWait: 500, lease: "20s", handleSignals: false });
        const running = current.run();
        await waitFor(() => stepRuns.after > 0 || stopsAsked > asked, "the job to finish or a stop to be asked", 60_000);
        await current.stop({ timeout: "60s" });
        await running;
      }
      expect(stopsAsked).toBe(4);
      const counts = new Map<number, number>();
      for (const time of times) counts.set(time, (counts.get(time) ?? 0) + 1);
      expect(Object.fromEntries(counts)).toEqual({ 1: itemCount });
      expect(stepRuns).toEqual({ before: 1, after: 1 });
      expect(attempts).toEqual([1, 1, 1, 1, 1]);
    } finally {
      await hopper.close();
    }
  },
});

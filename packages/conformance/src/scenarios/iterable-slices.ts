import { expect } from "vitest";
import { IterableJob, type IterationContext } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { runWorkerUntil, sleep, testHopper } from "../harness.js";
import { countingRange } from "../iteration/counting-range.js";

export const iterableSlices = defineScenario({
  name: "an iterable job longer than its slice time re-enqueues itself with its cursor and completes in several slices",
  timeoutMs: 90_000,
  async run({ backend, queue }) {
    const name = queue("iterslice");
    const items: number[] = [];
    const attempts: number[] = [];
    let done = false;
    class Sliced extends IterableJob<{ count: number }> {
      static override jobName = "Sliced";
      static override queue = name;
      static override iteration = { maxSliceTime: 30 };
      async perform({ count }: { count: number }, context: IterationContext) {
        attempts.push(context.attempt);
        await context.iterate("items", (after: number | undefined) => countingRange(after ?? 0, count), async (item) => {
          items.push(item);
          // At least 10 ms an item: a 30 ms slice cannot hold all twenty.
          await sleep(10);
        });
        done = true;
      }
    }
    const hopper = testHopper(backend, [Sliced]);
    try {
      await Sliced.performLater({ count: 20 });
      await runWorkerUntil(hopper, { queues: [name], concurrency: 1 }, () => done, "the sliced job to complete", 60_000);
      expect(items).toEqual([...countingRange(0, 20)].map(([item]) => item));
      expect(attempts.length).toBeGreaterThan(1);
      expect(new Set(attempts)).toEqual(new Set([1]));
    } finally {
      await hopper.close();
    }
  },
});

import { expect } from "vitest";
import { IterableJob, Job, type IterationContext, type JobContext } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { runWorkerUntil, sleep, testHopper } from "../harness.js";
import { countingRange } from "../iteration/counting-range.js";

export const iterableKeepsKeyOrder = defineScenario({
  name: "an iterable job with an ordering key keeps its key's place across slices and a retry: a later job of the key waits",
  requires: ["nackBody", "uncountedNack", "ordering"],
  timeoutMs: 90_000,
  async run({ backend, queue }) {
    const name = queue("iterkey");
    const events: string[] = [];
    let failedOnce = false;
    class Sliced extends IterableJob<{ count: number }> {
      static override jobName = "SlicedInLine";
      static override queue = name;
      static override iteration = { maxSliceTime: 30 };
      static override retry = { attempts: 3, wait: 0, jitter: 0 };
      async perform({ count }: { count: number }, context: IterationContext) {
        events.push(`slice from attempt ${context.attempt}`);
        await context.iterate("items", (after: number | undefined) => countingRange(after ?? 0, count), async (item) => {
          // One failure midway: the retry carries the cursor and must keep the line too.
          if (item === 10 && !failedOnce) {
            failedOnce = true;
            throw new Error("fails once at item 10");
          }
          events.push(`item ${item}`);
          await sleep(10);
        });
        events.push("sliced done");
      }
    }
    class Later extends Job<Record<string, never>> {
      static override jobName = "LaterInLine";
      static override queue = name;
      async perform(_args: Record<string, never>, _context: JobContext) {
        events.push("later ran");
      }
    }
    const hopper = testHopper(backend, [Sliced, Later]);
    try {
      await Sliced.performLater({ count: 20 }, { orderingKey: "account-1" });
      await Later.performLater({}, { orderingKey: "account-1" });
      // Two slots: only the key's order can keep "later" from running between two slices.
      await runWorkerUntil(hopper, { queues: [name], concurrency: 2 }, () => events.includes("later ran"), "the later job of the key to run", 60_000);
      expect(events.filter((event) => event.startsWith("slice from")).length).toBeGreaterThan(2);
      expect(failedOnce).toBe(true);
      expect(events.at(-1)).toBe("later ran");
      expect(events.at(-2)).toBe("sliced done");
      expect(events.filter((event) => event.startsWith("item"))).toEqual([...countingRange(0, 20)].map(([item]) => `item ${item}`));
    } finally {
      await hopper.close();
    }
  },
});

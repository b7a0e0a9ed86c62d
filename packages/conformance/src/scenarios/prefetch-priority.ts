import { expect } from "vitest";
import { Job } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { countHeldMessages, testHopper, waitFor } from "../harness.js";

const prefetch = 4;

export const prefetchPriority = defineScenario({
  name: "a later higher-priority job starts after at most `prefetch` buffered lower-priority ones",
  requires: ["priority"],
  timeoutMs: 120_000,
  async run({ backend, queue }) {
    const name = queue("prefetchprio");
    const counted = countHeldMessages(backend);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    class Ordered extends Job<{ label: string }> {
      static override queue = name;
      async perform({ label }: { label: string }) {
        started.push(label);
        await gate;
      }
    }
    const hopper = testHopper(counted.backend, [Ordered]);
    const lowCount = 30;
    await hopper.enqueueAll(Ordered, Array.from({ length: lowCount }, (_, n) => ({ label: `low-${n}` })));
    const worker = hopper.worker({ queues: [name], concurrency: 1, prefetch, pollWait: 500, lease: "1m", handleSignals: false });
    const running = worker.run();
    try {
      await waitFor(() => started.length === 1 && counted.held() === 1 + prefetch, "the worker to run one job and buffer the prefetch");
      await Ordered.set({ priority: 10 }).performLater({ label: "high" });
      release();
      await waitFor(() => started.length === lowCount + 1, "every job to run");
      // Started before the high-priority job was enqueued: one. Started after it and before it: the buffered ones at most.
      const lowerStartedFirst = started.indexOf("high") - 1;
      expect(lowerStartedFirst).toBeGreaterThanOrEqual(0);
      expect(lowerStartedFirst).toBeLessThanOrEqual(prefetch);
    } finally {
      release();
      await worker.stop({ timeout: 5000 });
      await running;
    }
  },
});

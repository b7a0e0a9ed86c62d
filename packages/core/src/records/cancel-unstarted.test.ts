import { afterEach, describe, expect, it } from "vitest";
import { createHopper, type Hopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";

// Found by the cockpit review of 2026-12-07 (the next stop): a job cancelled while it waited got a cancelled record
// kept `keep.cancelled` from the cancel; a job due later than that found no record when it came, made a new one and ran.

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

describe("cancelling a job that has not started", () => {
  it("keeps its cancelled record until its message comes, however far off, so it never runs", async () => {
    const queue = `cancel-unstarted-${Date.now().toString(36)}`;
    const performed: string[] = [];
    class Later extends Job<Record<string, never>> {
      static override queue = queue;
      async perform() {
        performed.push("ran");
      }
    }
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Later], logger: createConsoleLogger("silent"), records: { keep: { cancelled: "200ms" } } });
    hoppers.push(hopper);
    const id = await Later.set({ wait: "800ms" }).performLater({});
    expect(await hopper.jobs.cancel(id)).toMatchObject({ cancelled: true, state: "cancelled" });
    const worker = hopper.worker({ queues: [queue], pollWait: 20, handleSignals: false });
    const running = worker.run();
    try {
      // Past `keep.cancelled` and past the job's due time: the worker has taken its message by then.
      await new Promise((resolve) => setTimeout(resolve, 1500));
    } finally {
      await worker.stop();
      await running;
    }
    expect(performed).toEqual([]);
  });
});

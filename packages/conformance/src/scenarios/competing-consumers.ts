import { expect } from "vitest";
import { Job } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { testHopper, waitFor } from "../harness.js";

export const competingConsumers = defineScenario({
  name: "competing workers process every job; none is lost",
  timeoutMs: 120_000,
  async run({ backend, createBackend, queue }) {
    const name = queue("compete");
    const runs = new Map<string, number>();
    class Work extends Job<{ n: number }> {
      static override queue = name;
      async perform(_args: { n: number }, context: { jobId: string }) {
        runs.set(context.jobId, (runs.get(context.jobId) ?? 0) + 1);
      }
    }
    const producer = testHopper(backend, [Work]);
    const ids = await producer.enqueueAll(Work, Array.from({ length: 200 }, (_, n) => ({ n })));
    const workers = await Promise.all(
      [1, 2, 3].map(async () => testHopper(await createBackend(), [Work]).worker({ queues: [name], concurrency: 4, pollWait: 500, handleSignals: false })),
    );
    const running = workers.map((worker) => worker.run());
    try {
      await waitFor(() => ids.every((id) => runs.has(id)), "all 200 jobs to run", 90_000);
    } finally {
      await Promise.all(workers.map((worker) => worker.stop({ timeout: 5000 })));
      await Promise.all(running);
    }
    expect([...runs.keys()].sort()).toEqual([...ids].sort());
  },
});

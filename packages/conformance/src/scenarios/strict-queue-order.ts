import { expect } from "vitest";
import { Job, type JobClass } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { testHopper, waitFor } from "../harness.js";

const concurrency = 2;
const prefetch = 4;

/** One job class per queue, recording the queue of every start in order. */
export function queueJobs(names: readonly string[], started: string[], perform: () => Promise<void> = async () => {}): JobClass[] {
  return names.map((name) => {
    const job = class extends Job<{ n: number }> {
      static override queue = name;
      static override jobName = `Ordered-${name}`;
      async perform() {
        started.push(name);
        await perform();
      }
    };
    return job as JobClass;
  });
}

export const strictQueueOrder = defineScenario({
  name: "strict queue order: a lower queue's job starts only when every higher queue had none ready, beyond what the worker already held",
  timeoutMs: 180_000,
  async run({ backend, queue, drainScale }) {
    const names = [queue("strict-high"), queue("strict-mid"), queue("strict-low")];
    const started: string[] = [];
    const jobs = queueJobs(names, started);
    // Thousands of jobs go out in a few sends: on a loaded test machine an emulator may take longer than the default 5 s to answer one.
    const hopper = testHopper(backend, jobs, { connectTimeout: "60s" });
    // Enough that equal shares would start dozens of lower jobs early; lowest queue filled first.
    const perQueue = Math.max(20, Math.round(100 * drainScale));
    for (const job of [...jobs].reverse()) await hopper.enqueueAll(job, Array.from({ length: perQueue }, (_, n) => ({ n })));
    const worker = hopper.worker({ queues: names, order: "strict", concurrency, prefetch, pollWait: 500, lease: "1m", handleSignals: false });
    const running = worker.run();
    try {
      await waitFor(() => started.length === names.length * perQueue, "every job to run", 120_000);
    } finally {
      await worker.stop({ timeout: 5000 });
      await running;
      await hopper.close();
    }
    // The stated bound: a lower job may start ahead of a ready higher one only if the worker already held it
    // (running slots plus the prefetch buffer); with every job ready before the start, those are the only ones.
    const bound = concurrency + prefetch;
    for (let rank = 1; rank < names.length; rank += 1) {
      const lastHigher = Math.max(...names.slice(0, rank).map((name) => started.lastIndexOf(name)));
      const early = started.slice(0, lastHigher).filter((name) => name === names[rank]).length;
      expect(early, `${names[rank]} jobs started before the last job of a higher queue`).toBeLessThanOrEqual(bound);
    }
  },
});

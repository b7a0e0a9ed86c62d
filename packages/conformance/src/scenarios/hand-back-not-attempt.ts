import { expect } from "vitest";
import { Job, type JobContext } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { countHeldMessages, runWorkerUntil, testHopper, waitFor } from "../harness.js";

const deploys = 3;
const neverStarted = 2;

export const handBackNotAttempt = defineScenario({
  name: "a job handed back unstarted (buffered at stop) keeps its attempt count across deploys",
  // Only a worker that can buffer (renew a waiting lease) holds jobs it has not started.
  requires: ["leaseExtension"],
  timeoutMs: 180_000,
  async run({ backend, queue }) {
    const name = queue("handback");
    const counted = countHeldMessages(backend);
    const attempts = new Map<number, number[]>();
    let holding = true;
    let release = () => {};
    class Buffered extends Job<{ n: number }> {
      static override queue = name;
      // Fewer attempts than deploys: hand-backs that counted would exhaust it before a run.
      static override retry = { attempts: deploys, wait: 50, jitter: 0 };
      async perform({ n }: { n: number }, context: JobContext) {
        attempts.set(n, [...(attempts.get(n) ?? []), context.attempt]);
        if (holding) await new Promise<void>((resolve) => (release = resolve));
      }
    }
    const hopper = testHopper(counted.backend, [Buffered]);
    const total = deploys + neverStarted;
    await hopper.enqueueAll(Buffered, Array.from({ length: total }, (_, n) => ({ n })));
    const leaseMs = Math.max(30_000, backend.capabilities.minLeaseMs);
    for (let deploy = 0; deploy < deploys; deploy += 1) {
      // Each deploy: one job runs (and is held running), every other job waits in the buffer, then the worker stops.
      const left = total - deploy;
      const worker = hopper.worker({ queues: [name], concurrency: 1, prefetch: total, pollWait: 500, lease: leaseMs, handleSignals: false });
      const running = worker.run();
      const started = () => [...attempts.values()].reduce((sum, runs) => sum + runs.length, 0);
      try {
        await waitFor(() => started() === deploy + 1 && counted.held() === left, `deploy ${deploy + 1}: one job running, ${left - 1} buffered`, 60_000);
      } finally {
        const stopping = worker.stop({ timeout: 10_000 });
        release();
        await stopping;
        await running;
      }
    }
    holding = false;
    await runWorkerUntil(hopper, { queues: [name] }, () => attempts.size === total, "the jobs handed back at every deploy to run", 60_000);
    // Every job ran once, as attempt 1: none was exhausted or counted up by hand-backs.
    expect([...attempts.entries()].sort(([a], [b]) => a - b)).toEqual(Array.from({ length: total }, (_, n) => [n, [1]]));
    await waitFor(() => counted.held() === 0, "every job acked");
  },
});

import { expect } from "vitest";
import { Job } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { countHeldMessages, expectNothingFor, testHopper, waitFor } from "../harness.js";

const prefetch = 2;
/**
 * Two slots, both held by jobs that wait: while no job ends, the worker keeps buffered at most `concurrency` beyond
 * its target (which the waiting jobs bring to 0) and gives the rest back, so the buffer here stays within that.
 */
const concurrency = 2;

export const prefetchLease = defineScenario({
  name: "buffered messages keep their lease while they wait, and each job runs once",
  requires: ["leaseExtension"],
  timeoutMs: 120_000,
  async run({ backend, queue }) {
    const name = queue("prefetchlease");
    const counted = countHeldMessages(backend);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: number[] = [];
    class Waiting extends Job<{ n: number }> {
      static override queue = name;
      async perform({ n }: { n: number }) {
        started.push(n);
        await gate;
      }
    }
    const hopper = testHopper(counted.backend, [Waiting]);
    await hopper.enqueueAll(Waiting, Array.from({ length: concurrency + prefetch }, (_, n) => ({ n })));
    const leaseMs = Math.max(2000, backend.capabilities.minLeaseMs);
    const worker = hopper.worker({ queues: [name], concurrency, prefetch, pollWait: 500, lease: leaseMs, handleSignals: false });
    const running = worker.run();
    try {
      await waitFor(() => started.length === concurrency && counted.held() === concurrency + prefetch, "the worker to run two jobs and buffer the rest");
      // Two and a half leases: a buffered message whose lease were not renewed would reach this consumer.
      // The same backend serves as the other consumer (opening one, e.g. an embedded PGlite, stalls every scenario running beside this one).
      await expectNothingFor(backend, name, leaseMs * 2.5);
      release();
      // At least every job once, then exactly once each: a job run twice (a buffered lease that lapsed) fails here by
      // name, not as a timeout; a timeout says what had started and what was still held.
      await waitFor(() => started.length >= concurrency + prefetch && counted.held() === 0, "the buffered jobs to run and be acked").catch((error: unknown) => {
        throw new Error(`${(error as Error).message} (started ${JSON.stringify(started)}, messages still held ${counted.held()})`);
      });
      expect([...started].sort()).toEqual([0, 1, 2, 3]);
      await expectNothingFor(backend, name, 1000);
    } finally {
      release();
      await worker.stop({ timeout: 5000 });
      await running;
    }
  },
});

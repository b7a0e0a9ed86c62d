import { expect } from "vitest";
import { Job, type JobContext } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { interceptMessages, receiveMessages, testHopper, waitFor } from "../harness.js";

export const leaseLost = defineScenario({
  name: "a job whose lease is lost is aborted with a reason, and its stale copy is neither acked nor nacked",
  requires: ["leaseExtension", "reportsLostLease"],
  timeoutMs: 120_000,
  async run({ backend, createBackend, queue }) {
    const name = queue("lost");
    const leaseMs = Math.max(2000, backend.capabilities.minLeaseMs);
    // The worker's extensions are held back (a stalled process, a partition) until another consumer holds the redelivered copy.
    let releaseExtensions!: () => void;
    const extensionsHeld = new Promise<void>((resolve) => (releaseExtensions = resolve));
    const settled: string[] = [];
    const stalled = interceptMessages(backend, (message) => ({
      ...message,
      ack: () => {
        settled.push("ack");
        return message.ack();
      },
      nack: (options) => {
        settled.push("nack");
        return message.nack(options);
      },
      extendLease: async (ms) => {
        await extensionsHeld;
        return message.extendLease(ms);
      },
    }));
    let reason: unknown;
    let started = false;
    let finished = false;
    // The run keeps the worker's only slot until the other consumer holds the copy: the worker gives the
    // run up by itself once no renewal answered for most of a lease, and a free slot would claim the copy.
    let releaseSlot!: () => void;
    const slotReleased = new Promise<void>((resolve) => (releaseSlot = resolve));
    class Stalled extends Job<Record<string, never>> {
      static override queue = name;
      async perform(_args: Record<string, never>, context: JobContext) {
        started = true;
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true }));
        reason = context.signal.reason;
        await slotReleased;
        // Returns normally, as a job that ignores its signal would: the worker must still not ack the stale copy.
        finished = true;
      }
    }
    const hopper = testHopper(stalled, [Stalled]);
    await Stalled.performLater({});
    // No buffer: a worker fetching ahead could take the redelivered copy itself, which another consumer must get here.
    const worker = hopper.worker({ queues: [name], concurrency: 1, prefetch: 0, pollWait: 500, lease: leaseMs, handleSignals: false });
    const running = worker.run();
    const other = await createBackend();
    try {
      await waitFor(() => started, "the worker to start the job", leaseMs * 10);
      const [copy] = await receiveMessages(other, name, 1, { leaseMs: 60_000, timeoutMs: leaseMs * 10 });
      expect(copy?.deliveryAttempt ?? 2).toBe(2);
      releaseExtensions();
      releaseSlot();
      await waitFor(() => finished, "the stalled job's signal to abort", leaseMs * 10);
      expect(reason).toBeInstanceOf(Error);
      expect(String(reason)).toMatch(/lease/i);
      await worker.stop({ timeout: 5000 });
      await running;
      expect(settled).toEqual([]);
      // The redelivered copy is untouched by the stale holder: it is still ours to ack.
      await copy!.ack();
      expect(await receiveMessages(other, name, 1, { timeoutMs: 1000 })).toEqual([]);
    } finally {
      releaseExtensions();
      releaseSlot();
      await worker.stop({ timeout: 1000 });
      await running;
    }
  },
});

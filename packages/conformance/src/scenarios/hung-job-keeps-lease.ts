import { expect } from "vitest";
import { createHopper, Job, type JobContext, type Logger } from "@hopper/core";
import type { Backend, ReceivedMessage } from "@hopper/core/backend";
import { defineScenario } from "../scenario.js";
import { waitFor } from "../harness.js";

export const hungJobKeepsLease = defineScenario({
  name: "a job that ignores its timeout keeps its lease and its slot: no second copy starts while it runs, and it is reported",
  requires: ["leaseExtension"],
  timeoutMs: 180_000,
  async run({ backend, createBackend, queue }) {
    const name = queue("hung");
    const leaseMs = Math.max(2000, backend.capabilities.minLeaseMs);
    // The ledger of performs in either worker: "start <attempt>" and "end <attempt>".
    const ledger: string[] = [];
    let timedOut = false;
    let renewalsAfterTimeout = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const warnings: Record<string, unknown>[] = [];
    class IgnoresSignal extends Job<Record<string, never>> {
      static override queue = name;
      static override timeout = 200;
      static override retry = { attempts: 2, wait: 0, jitter: 0 };
      async perform(_args: Record<string, never>, context: JobContext) {
        ledger.push(`start ${context.attempt}`);
        if (context.attempt === 1) {
          context.signal.addEventListener("abort", () => (timedOut = true), { once: true });
          await released;
        }
        ledger.push(`end ${context.attempt}`);
      }
    }
    const logger: Logger = { debug() {}, info() {}, error() {}, warn: (message, fields) => /ignor/.test(message) && warnings.push(fields ?? {}) };
    const counting: Backend = {
      specificationVersion: backend.specificationVersion,
      name: backend.name,
      capabilities: backend.capabilities,
      enqueue: (messages, options) => backend.enqueue(messages, options),
      receive: async (options) =>
        (await backend.receive(options)).map((message): ReceivedMessage => ({
          // Forwarded by name: adapters keep a message's methods on its class, and a spread copy has none of them
          // (its ack failed, and the hung job came back after its lease).
          id: message.id,
          body: message.body,
          deliveryAttempt: message.deliveryAttempt,
          ...(message.leaseFrom !== undefined && { leaseFrom: message.leaseFrom }),
          ...(message.record !== undefined && { record: message.record }),
          ack: (ackOptions) => message.ack(ackOptions),
          nack: (nackOptions) => message.nack(nackOptions),
          extendLease: (ms) => {
            if (timedOut) renewalsAfterTimeout += 1;
            return message.extendLease(ms);
          },
        })),
      close: () => backend.close(),
    };
    const first = createHopper({ backend: counting, jobs: [IgnoresSignal], logger });
    // A second worker on its own connection, polling the same queue the whole time.
    const second = createHopper({ backend: await createBackend(), jobs: [IgnoresSignal], logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const id = await IgnoresSignal.performLater({});
    const options = { queues: [name], concurrency: 1, lease: leaseMs, pollWait: 500, handleSignals: false } as const;
    const firstWorker = first.worker(options);
    const firstRunning = firstWorker.run();
    let secondWorker: ReturnType<typeof second.worker> | undefined;
    let secondRunning: Promise<void> | undefined;
    try {
      await waitFor(() => ledger.includes("start 1"), "the first attempt to start", leaseMs * 10);
      secondWorker = second.worker(options);
      secondRunning = secondWorker.run();
      // Four renewals after the timeout: two whole leases in which an unrenewed copy would have been redelivered.
      await waitFor(() => renewalsAfterTimeout >= 4, "the hung attempt's lease to be renewed past its timeout", leaseMs * 20);
      await waitFor(() => warnings.length > 0, "the hung attempt to be reported", leaseMs * 10);
      expect(ledger).toEqual(["start 1"]);
      expect(firstWorker.activeCount).toBe(1);
      expect(warnings[0]).toMatchObject({ job: "IgnoresSignal", jobId: id, timeoutMs: 200 });
      release();
      // Its late return is a timed-out attempt: the policy runs attempt 2, on either worker.
      await waitFor(() => ledger.includes("end 2"), "the second attempt", leaseMs * 10);
      expect(ledger).toEqual(["start 1", "end 1", "start 2", "end 2"]);
    } finally {
      release();
      await Promise.all([firstWorker.stop({ timeout: 5000 }), secondWorker?.stop({ timeout: 5000 })]);
      await Promise.all([firstRunning, secondRunning]);
    }
  },
});

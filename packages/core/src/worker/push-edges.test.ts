import { afterEach, describe, expect, it } from "vitest";
import { encodeEnvelope, ENVELOPE_FORMAT_VERSION } from "../envelope/envelope.js";
import { createHopper, type Hopper } from "../hopper.js";
import { Job, type JobContext } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";

// Found by the push-path review of 2026-12-07 (the next stop): a pushed run whose request the platform abandoned still
// published its retry copy (the platform redelivers the original too: two lineages); a run stalled past a lease no
// platform holds was given up and answered "unsettled" after it succeeded; a push after close() still ran its job.

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

const bodyOf = (job: string, queue: string, id: string) =>
  encodeEnvelope({ hopper: ENVELOPE_FORMAT_VERSION, id, job, version: 1, args: {}, queue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });

describe("runMessage at the push path's edges", () => {
  it("publishes nothing once the platform abandoned the request: the platform's redelivery is the only copy", async () => {
    const queue = `push-abandoned-${Date.now().toString(36)}`;
    class Slow extends Job<Record<string, never>> {
      static override queue = queue;
      async perform(_args: Record<string, never>, context: JobContext) {
        await new Promise((_resolve, reject) => context.signal.addEventListener("abort", () => reject(context.signal.reason)));
      }
    }
    // As Pub/Sub push without a dead-letter policy: no delivery count, so a retry is a published copy.
    const backend = createMemoryBackend({ store: queue, capabilities: { deliveryAttempts: false, delayedDelivery: false } });
    const hopper = createHopper({ backend, jobs: [Slow], logger: createConsoleLogger("silent") });
    hoppers.push(hopper);
    const request = new AbortController();
    setTimeout(() => request.abort(new Error("the platform closed the connection")), 100);
    expect(await hopper.runMessage({ queue, body: bodyOf("Slow", queue, "job-1"), id: "m-1", deliveryAttempt: undefined, signal: request.signal })).toEqual({ status: "unsettled" });
    expect(await backend.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 1000 })).toEqual([]);
  });

  it("does not give a run up for a lease no platform holds: a run that stalled past it and succeeded is done", async () => {
    const queue = `push-stall-${Date.now().toString(36)}`;
    const errors: string[] = [];
    class Render extends Job<Record<string, never>> {
      static override queue = queue;
      async perform() {
        // A synchronous render longer than the lease, then an await.
        const until = Date.now() + 700;
        while (Date.now() < until);
        await new Promise((resolve) => setTimeout(resolve, 50));
        return "rendered";
      }
    }
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Render], logger: { ...createConsoleLogger("silent"), error: (message: string) => void errors.push(message) } });
    hoppers.push(hopper);
    expect(await hopper.runMessage({ queue, body: bodyOf("Render", queue, "job-2"), id: "m-2", deliveryAttempt: 1, leaseMs: 300 })).toEqual({ status: "done" });
    expect(errors).toEqual([]);
  });

  it("runs nothing after close(): the platform delivers it again elsewhere", async () => {
    const queue = `push-closed-${Date.now().toString(36)}`;
    const performed: string[] = [];
    class Late extends Job<Record<string, never>> {
      static override queue = queue;
      async perform() {
        performed.push("ran");
      }
    }
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Late], logger: createConsoleLogger("silent") });
    expect(await hopper.runMessage({ queue, body: bodyOf("Late", queue, "job-3"), id: "m-3", deliveryAttempt: 1 })).toEqual({ status: "done" });
    await hopper.close();
    expect(await hopper.runMessage({ queue, body: bodyOf("Late", queue, "job-4"), id: "m-4", deliveryAttempt: 1 })).toEqual({ status: "unsettled" });
    expect(performed).toEqual(["ran"]);
  });
});

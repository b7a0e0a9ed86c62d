import { afterEach, describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import { createHopper, type Hopper } from "../hopper.js";
import { Job, type JobContext } from "../job.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { ShutdownError } from "../errors/shutdown-error.js";
import { interceptMessages } from "../test-fixtures/intercept-messages.js";
import { until } from "../test-fixtures/until.js";

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

// The redis-cluster crash run of 2026-12-03 (s3): a worker SIGTERMed with three long jobs running reached its
// shutdown timeout, aborted them and handed their messages back in the same tick. Another worker claimed the
// copies 92 ms before the first worker's runs had stopped: two runs of each job at once.
/** Runs one worker with a short lease until its job starts, then stops it with a 100 ms bound the job outlives. */
async function stopPastItsBound(hopper: ReturnType<typeof shutdownFixture>["hopper"], events: string[]): Promise<void> {
  const worker = hopper.worker({ concurrency: 1, prefetch: 0, lease: 400, pollWait: 50, handleSignals: false });
  const running = worker.run();
  await until(() => events.includes("started"), "the job to start");
  await worker.stop({ timeout: 100 });
  await running;
}

function shutdownFixture(perform: (context: JobContext) => Promise<void>, renewal: { lost: boolean } = { lost: false }) {
  const queue = `shutdown-hand-back-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const store = `store-${queue}`;
  const events: string[] = [];
  class Long extends Job<Record<string, never>> {
    static override queue = queue;
    async perform(_args: Record<string, never>, context: JobContext) {
      events.push("started");
      try {
        await perform(context);
      } finally {
        events.push("stopped");
      }
    }
  }
  const backend = interceptMessages(createMemoryBackend({ store }), (message) => ({
    id: message.id,
    body: message.body,
    deliveryAttempt: message.deliveryAttempt,
    ack: () => (events.push("ack"), message.ack()),
    nack: (options) => (events.push("handed back"), message.nack(options)),
    // `renewal.lost`: the backend answers that the lease is gone (as it may once the message went back).
    extendLease: async (ms) => (renewal.lost ? (events.push("lease lost"), false) : message.extendLease(ms)),
  }));
  const logged: string[] = [];
  const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (line: string) => void logged.push(line) };
  const hopper = createHopper({ backend, jobs: [Long], logger });
  hoppers.push(hopper);
  const otherConsumer = createMemoryBackend({ store });
  return { queue, events, logged, hopper, Long, otherConsumer };
}

describe("a shutdown that runs out of time", () => {
  it("hands a run's message back only once the aborted run has stopped", async () => {
    const { events, hopper, Long } = shutdownFixture(async (context) => {
      await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
      // A job's cleanup after its signal (closing a file, a rollback) takes a while.
      await sleep(300);
      throw context.signal.reason;
    });
    await Long.performLater({});
    const worker = hopper.worker({ concurrency: 1, prefetch: 0, lease: 2000, pollWait: 50, handleSignals: false });
    const running = worker.run();
    await until(() => events.includes("started"), "the job to start");
    await worker.stop({ timeout: 100 });
    await running;
    expect(events).toEqual(["started", "stopped", "handed back"]);
  });

  // Kept by design (docs/guarantees.md, graceful shutdown): a job that heeds its signal may return early with its work
  // half done, and the worker cannot tell that from a job that finished, so the run goes back and runs again.
  it("hands back a run that returns normally after the abort, within the grace or after it, and its job runs again", async () => {
    for (const afterAbortMs of [200, 1300]) {
      const { queue, events, hopper, Long, otherConsumer } = shutdownFixture(async (context) => {
        await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
        await sleep(afterAbortMs);
      });
      const id = await Long.performLater({});
      await stopPastItsBound(hopper, events);
      await until(() => events.includes("handed back"), `the run returning ${afterAbortMs} ms after its abort to go back`);
      expect(events).toEqual(["started", "stopped", "handed back"]);
      const [again] = await otherConsumer.receive({ queue, maxMessages: 1, waitMs: 2000, leaseMs: 60_000 });
      expect(again).toMatchObject({ id, deliveryAttempt: 2 });
      await again!.ack();
    }
  });

  it("keeps the lease of a run that ignores its abort: stop() resolves, no copy starts while it runs, and it goes back once it ends", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { queue, events, logged, hopper, Long, otherConsumer } = shutdownFixture(() => released);
    const id = await Long.performLater({});
    try {
      await stopPastItsBound(hopper, events);
      expect(logged.some((line) => line.includes("did not stop"))).toBe(true);
      // Three leases long: the heartbeat keeps renewing it while the run goes on.
      expect(await otherConsumer.receive({ queue, maxMessages: 1, waitMs: 1200, leaseMs: 60_000 })).toEqual([]);
      expect(events).toEqual(["started"]);
      release();
      await until(() => events.includes("handed back"), "the message to go back once the run stopped");
      expect(events).toEqual(["started", "stopped", "handed back"]);
      const [copy] = await otherConsumer.receive({ queue, maxMessages: 1, waitMs: 2000, leaseMs: 60_000 });
      expect(copy?.id).toBe(id);
      await copy!.ack();
    } finally {
      release();
    }
  });

  // cdfc067: once a shutdown has handed a run's message back, the lease is no longer this worker's, and a renewal
  // that answers "lost" says nothing new: no "lease lost" error line, no LeaseLostError over the shutdown's abort.
  it("ignores a lease lost after the run was handed back: no lease-lost line, the shutdown's abort stays the run's, the message still goes back once it ends", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const renewal = { lost: false };
    let signal: AbortSignal | undefined;
    const { events, logged, hopper, Long } = shutdownFixture((context) => ((signal = context.signal), released), renewal);
    await Long.performLater({});
    try {
      await stopPastItsBound(hopper, events);
      expect(ShutdownError.isInstance(signal?.reason)).toBe(true);
      renewal.lost = true;
      await until(() => events.includes("lease lost"), "a renewal answered lost");
      // A tick for the answer to be handled.
      await sleep(100);
      expect(logged.filter((line) => line.includes("lease lost"))).toEqual([]);
      expect(ShutdownError.isInstance(signal?.reason)).toBe(true);
      release();
      await until(() => events.includes("handed back"), "the message to go back once the run stopped");
      expect(events.filter((event) => event !== "lease lost")).toEqual(["started", "stopped", "handed back"]);
    } finally {
      release();
    }
  });
});

import { randomBytes } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import type { Backend, BackendCapabilities, ReceivedMessage } from "../backend/backend.js";
import { decodeEnvelope } from "../envelope/envelope.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { UnsupportedCapabilityError } from "../errors/unsupported-capability-error.js";
import { createHopper, type Hopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { moveJobs } from "./move-jobs.js";

const queue = "move-test";
class Moved extends Job<{ n: number }> {
  static override queue = queue;
  async perform() {}
}

const opened: (Hopper | Backend)[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((entry) => entry.close()));
});

/** A memory backend on a store of its own, with Moved bound to it for enqueuing. */
function memory(capabilities: Partial<BackendCapabilities> = {}): Backend {
  const backend = createMemoryBackend({ store: `move-${randomBytes(4).toString("hex")}`, capabilities });
  opened.push(backend);
  return backend;
}

async function enqueueOn(backend: Backend, jobs: { n: number; wait?: number; priority?: number }[]): Promise<string[]> {
  const hopper = createHopper({ backend, jobs: [Moved], logger: createConsoleLogger("silent") });
  const ids: string[] = [];
  for (const { n, ...options } of jobs) ids.push(await Moved.set(options).performLater({ n }));
  // Closing the Hopper would close the backend the test still reads.
  return ids;
}

async function drain(backend: Backend): Promise<ReceivedMessage[]> {
  const due = await backend.receive({ queue, maxMessages: 1000, waitMs: 0, leaseMs: 60_000 });
  const delayed = (await backend.takeScheduled?.({ queue, maxMessages: 1000, leaseMs: 60_000 })) ?? [];
  return [...due, ...delayed];
}

it("moves due and delayed jobs with their ids, bodies, priorities and the delay left, and empties the source", async () => {
  const [source, to] = [memory(), memory()];
  const sourceIds = await enqueueOn(source, [{ n: 1 }, { n: 2, priority: 5 }, { n: 3, wait: 3_600_000 }, { n: 4, wait: 7_200_000, priority: 2 }]);

  const report = await moveJobs({ from: source, to, queues: [queue], idleWaitMs: 0 });

  expect(report).toMatchObject({ moved: 4, delayedMoved: 2, duplicates: 0, failed: 0, stopped: false, tookScheduled: true });
  expect(await source.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
  expect(await to.stats!(queue)).toEqual({ ready: 2, delayed: 2, inFlight: 0 });
  const due = await to.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 60_000 });
  // Priority kept: the priority-5 job comes first.
  expect(due.map((message) => decodeEnvelope(message.body).args)).toEqual([{ n: 2 }, { n: 1 }]);
  const scheduled = await to.takeScheduled!({ queue, maxMessages: 10, leaseMs: 60_000 });
  expect(scheduled.map((message) => message.id)).toEqual([sourceIds[2], sourceIds[3]]);
  // The delay left, not a fresh one: due about an hour and two hours from now.
  expect(scheduled[0]!.dueAt).toBeGreaterThan(Date.now() + 3_500_000);
  expect(scheduled[1]!.dueAt).toBeGreaterThan(Date.now() + 7_100_000);
  expect(new Set([...due, ...scheduled].map((message) => message.id))).toEqual(new Set(sourceIds));
});

it("refuses before moving anything when the source holds delayed jobs it cannot take, and moves only the due ones with leaveDelayed", async () => {
  const from = memory({ takeScheduled: false });
  const to = memory();
  await enqueueOn(from, [{ n: 1 }, { n: 2, wait: 3_600_000 }]);

  const refusal = await moveJobs({ from, to, queues: [queue], idleWaitMs: 0 }).catch((error: unknown) => error);
  expect(UnsupportedCapabilityError.isInstance(refusal) && refusal.capability).toBe("takeScheduled");
  expect(await to.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });

  const report = await moveJobs({ from, to, queues: [queue], idleWaitMs: 0, leaveDelayed: true });
  expect(report).toMatchObject({ moved: 1, tookScheduled: false });
  expect(report.queues[0]!.leftOnSource).toEqual({ ready: 0, delayed: 1, inFlight: 0 });
});

it("refuses a batch whose jobs carry a priority the target cannot hold, leaving all of it on the source; drop: [priority] moves it and counts", async () => {
  const from = memory();
  const to = memory({ priority: false });
  await enqueueOn(from, [{ n: 1 }, { n: 2, priority: 3 }]);

  const refusal = await moveJobs({ from, to, queues: [queue], idleWaitMs: 0 }).catch((error: unknown) => error);
  expect(UnsupportedCapabilityError.isInstance(refusal) && refusal.capability).toBe("priority");
  expect(await to.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
  expect(await from.stats!(queue)).toEqual({ ready: 2, delayed: 0, inFlight: 0 });

  const report = await moveJobs({ from, to, queues: [queue], idleWaitMs: 0, drop: ["priority"] });
  expect(report).toMatchObject({ moved: 2, dropped: { priority: 1, orderingKey: 0, dedupeKey: 0 } });
});

it("hands a refused delayed job back delayed, not due", async () => {
  const from = memory();
  const to = memory({ priority: false });
  await enqueueOn(from, [{ n: 1 }, { n: 2, wait: 3_600_000, priority: 3 }]);

  const refusal = await moveJobs({ from, to, queues: [queue], idleWaitMs: 0 }).catch((error: unknown) => error);

  expect(UnsupportedCapabilityError.isInstance(refusal) && refusal.capability).toBe("priority");
  expect(await to.stats!(queue)).toEqual({ ready: 1, delayed: 0, inFlight: 0 });
  expect(await from.stats!(queue)).toEqual({ ready: 0, delayed: 1, inFlight: 0 });
});

it("keeps a job on the source when the target's enqueue fails, due when it was", async () => {
  const from = memory();
  const to = memory();
  const [ready, delayed] = await enqueueOn(from, [{ n: 1 }, { n: 2, wait: 3_600_000 }]);
  await to.close();

  const report = await moveJobs({ from, to, queues: [queue], idleWaitMs: 0 });

  expect(report.moved).toBe(0);
  expect(report.failed).toBe(1);
  expect(report.queues[0]!.error?.name).toBe("BackendClosedError");
  // The move stopped at the refused batch: the due job is back, the delayed one never left.
  expect(await from.stats!(queue)).toEqual({ ready: 1, delayed: 1, inFlight: 0 });
  expect((await drain(from)).map((message) => message.id)).toEqual([ready, delayed]);
});

it("stops after the batch in hand when the signal aborts", async () => {
  const from = memory();
  const to = memory();
  await enqueueOn(from, Array.from({ length: 25 }, (_, n) => ({ n })));
  const stop = new AbortController();

  const report = await moveJobs({ from, to, queues: [queue], idleWaitMs: 0, batchSize: 10, signal: stop.signal, onProgress: () => stop.abort() });

  expect(report).toMatchObject({ moved: 10, stopped: true });
  expect(await to.stats!(queue)).toEqual({ ready: 10, delayed: 0, inFlight: 0 });
  expect(await from.stats!(queue)).toEqual({ ready: 15, delayed: 0, inFlight: 0 });
});

it("stops, losing nothing, when the target is the source under another name", async () => {
  const store = `move-loop-${randomBytes(4).toString("hex")}`;
  const from = createMemoryBackend({ store });
  const to = createMemoryBackend({ store });
  opened.push(from, to);
  await enqueueOn(from, [{ n: 1 }, { n: 2 }]);

  const refusal = await moveJobs({ from, to, queues: [queue], idleWaitMs: 0 }).catch((error: unknown) => error);

  expect(ConfigurationError.isInstance(refusal) && refusal.field).toBe("to");
  expect(await from.stats!(queue)).toEqual({ ready: 2, delayed: 0, inFlight: 0 });
});

it("keeps the order of one ordering key's jobs", async () => {
  const [from, to] = [memory(), memory()];
  createHopper({ backend: from, jobs: [Moved], logger: createConsoleLogger("silent") });
  const ids = await Moved.set({ orderingKey: "account-7" }).performAllLater(Array.from({ length: 20 }, (_, n) => ({ n })));

  const report = await moveJobs({ from, to, queues: [queue], idleWaitMs: 0, batchSize: 5 });

  expect(report.moved).toBe(20);
  const arrived: string[] = [];
  for (;;) {
    const [message] = await to.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 60_000 });
    if (!message) break;
    arrived.push(message.id);
    await message.ack();
  }
  expect(arrived).toEqual(ids);
});

it("keeps the batch leased on the source while a slow target takes it, so no worker there runs a job in the middle of its move", async () => {
  const from = memory();
  const slow = memory();
  let letThrough!: () => void;
  const gate = new Promise<void>((resolve) => (letThrough = resolve));
  let sending!: () => void;
  const sendStarted = new Promise<void>((resolve) => (sending = resolve));
  // The target's enqueue waits for the test: a send slower than the whole source lease.
  const to: Backend = Object.assign(Object.create(slow) as Backend, {
    enqueue: async (...args: Parameters<Backend["enqueue"]>) => {
      sending();
      await gate;
      return slow.enqueue(...args);
    },
  });
  const [id] = await enqueueOn(from, [{ n: 1 }]);
  const leaseMs = 1500;

  const moving = moveJobs({ from, to, queues: [queue], idleWaitMs: 0, leaseMs });
  await sendStarted;
  await new Promise((resolve) => setTimeout(resolve, leaseMs * 3));
  // Three leases later, a worker on the source still finds nothing to run.
  expect(await from.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 60_000 })).toEqual([]);
  letThrough();

  expect(await moving).toMatchObject({ moved: 1, failed: 0, ackFailures: 0 });
  expect(await from.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
  expect((await drain(slow)).map((message) => message.id)).toEqual([id]);
});

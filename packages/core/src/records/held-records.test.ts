import { afterEach, describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper, createMemoryCoordinationStore, createMemoryRecordStore, encodeEnvelope, Job, type Hopper, type HopperOptions } from "@hopper/core";
import { createMemoryBackend } from "@hopper/core/memory";

const silent = createConsoleLogger("silent");
let counter = 0;
const uniqueQueue = () => `held-records-${Date.now().toString(36)}-${counter++}`;

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, description: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}: last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Both ways records are written: riding with the backend's own calls (the memory backend's store), and a store of their own (as SQS, Pub/Sub).
const setups = [
  { name: "the backend's own store", options: (queue: string): Partial<HopperOptions> => ({ backend: createMemoryBackend({ store: queue }), records: {} }) },
  { name: "a store given", options: (queue: string): Partial<HopperOptions> => ({ backend: { ...createMemoryBackend({ store: queue }), recordStore: undefined }, records: { store: createMemoryRecordStore() } }) },
];

describe.each(setups)("a held job's record says held and why ($name)", ({ options }) => {
  const opened: Hopper[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((hopper) => hopper.close()));
  });
  const hopperFor = (queue: string, jobs: HopperOptions["jobs"], extra: Partial<HopperOptions> = {}) => {
    const hopper = createHopper({ jobs, logger: silent, coordination: createMemoryCoordinationStore(), ...options(queue), ...extra } as HopperOptions);
    opened.push(hopper);
    return hopper;
  };

  it("rate limit: held by rate-limit with when it is offered again, then cancellable like a waiting job", async () => {
    const queue = uniqueQueue();
    let performed = 0;
    class Limited extends Job<Record<string, never>> {
      static override queue = queue;
      static override rateLimit = { limit: 1, per: "1h" };
      async perform() {
        performed++;
      }
    }
    const hopper = hopperFor(queue, [Limited]);
    const [first, second] = await hopper.enqueueAll(Limited, [{}, {}]);
    const worker = hopper.worker({ queues: [queue], pollWait: 20, handleSignals: false });
    const running = worker.run();
    await until(() => hopper.jobs.get(first!), (record) => record?.state === "succeeded", "the first job to run");
    const held = await until(() => hopper.jobs.get(second!), (record) => record?.state !== "waiting" && record?.state !== "running", "the second job to be held");
    await worker.stop({ timeout: 5000 });
    await running;
    expect(performed).toBe(1);
    expect(held).toMatchObject({ state: "held", heldBy: "rate-limit", attempt: 0 });
    expect(held!.runAt!.getTime()).toBeGreaterThan(Date.now());
    expect(await hopper.jobs.cancel(second!)).toMatchObject({ cancelled: true, state: "cancelled" });
  });

  it("concurrency: held by concurrency while another run holds the key's only place", async () => {
    const queue = uniqueQueue();
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => (release = resolve));
    class OneAtATime extends Job<{ account: string }> {
      static override queue = queue;
      static override concurrency = { key: (args: { account: string }) => args.account, limit: 1 };
      async perform() {
        await blocked;
      }
    }
    const hopper = hopperFor(queue, [OneAtATime]);
    const [first] = await hopper.enqueueAll(OneAtATime, [{ account: "a" }]);
    const worker = hopper.worker({ queues: [queue], pollWait: 20, concurrency: 2, handleSignals: false });
    const running = worker.run();
    await until(() => hopper.jobs.get(first!), (record) => record?.state === "running", "the first job to start");
    const second = await OneAtATime.performLater({ account: "a" });
    const held = await until(() => hopper.jobs.get(second), (record) => record?.state === "held", "the second job to be held");
    expect(held).toMatchObject({ state: "held", heldBy: "concurrency" });
    release();
    await worker.stop({ timeout: 5000 });
    await running;
  });

  it("payload version: held by payload-version while no worker knows its version", async () => {
    const queue = uniqueQueue();
    class Versioned extends Job<Record<string, never>> {
      static override queue = queue;
      async perform() {}
    }
    const hopper = hopperFor(queue, [Versioned]);
    const backend = await hopper.backend;
    const id = `too-new-${queue}`;
    await backend.enqueue([{ queue, id, body: encodeEnvelope({ hopper: 1, id, job: "Versioned", version: 2, args: {}, queue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} } as never) }]);
    const worker = hopper.worker({ queues: [queue], pollWait: 20, handleSignals: false, newerVersionRetry: "1h" });
    const running = worker.run();
    const held = await until(() => hopper.jobs.get(id), (record) => record?.state === "held", "the too-new job to be held");
    expect(held).toMatchObject({ state: "held", heldBy: "payload-version" });
    await worker.stop({ timeout: 5000 });
    await running;
  });

  it("paused queue: held by queue-paused while paused (no worker needed), waiting again after resume; a pushed copy likewise", async () => {
    const queue = uniqueQueue();
    class Pausable extends Job<Record<string, never>> {
      static override queue = queue;
      async perform() {}
    }
    const hopper = hopperFor(queue, [Pausable], { pausedPushHold: "1h" });
    await hopper.queues.pause(queue);
    const id = await Pausable.performLater({});
    expect(await hopper.jobs.get(id)).toMatchObject({ state: "held", heldBy: "queue-paused" });
    await hopper.queues.resume(queue);
    expect(await hopper.jobs.get(id)).toMatchObject({ state: "waiting", heldBy: null });

    await hopper.queues.pause(queue);
    const pushed = `pushed-${queue}`;
    const body = encodeEnvelope({ hopper: 1, id: pushed, job: "Pausable", version: 1, args: {}, queue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} } as never);
    expect(await hopper.runMessage({ queue, id: pushed, body, deliveryAttempt: 1 })).toEqual({ status: "done" });
    await hopper.queues.resume(queue);
    // Its hold was written: the record says so after the resume too, until the copy comes back.
    expect(await hopper.jobs.get(pushed)).toMatchObject({ state: "held", heldBy: "queue-paused" });
  });
});

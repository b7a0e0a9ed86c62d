import { afterEach, describe, expect, it } from "vitest";
import { createHopper, type Hopper, type HopperOptions } from "../hopper.js";
import { Job, type JobContext } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { createMemoryCoordinationStore } from "../coordination/memory-coordination-store.js";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { encodeEnvelope } from "../envelope/envelope.js";
import { until as waitUntil } from "../test-fixtures/until.js";

const silent = createConsoleLogger("silent");
let counter = 0;
const uniqueQueue = () => `rate-limit-${Date.now().toString(36)}-${counter++}`;
const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

/** A memory coordination store that counts every call, to show what a job costs. */
function countingStore(): { store: CoordinationStore; calls: string[] } {
  const inner = createMemoryCoordinationStore();
  const calls: string[] = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || property === "close") return value;
      return (...args: unknown[]) => {
        // The worker's pause watch reads the queue-pause marks on a timer whatever the jobs; those are not the jobs' cost.
        if (property === "advance" && String(args[0]).startsWith("hopper:queue-pause")) return (value as (...args: unknown[]) => unknown).apply(target, args);
        // Nor is the worker registry's heartbeat (one put per heartbeat, one removal at stop, whatever the jobs).
        if (String(args[0]) === "hopper:workers") return (value as (...args: unknown[]) => unknown).apply(target, args);
        // Nor is queue history's write (one per bucket per queue a worker ran jobs of, whatever their number).
        if (String(args[0]).startsWith("hopper:history:")) return (value as (...args: unknown[]) => unknown).apply(target, args);
        calls.push(String(property));
        return (value as (...args: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls };
}

function hopperFor(queue: string, jobs: HopperOptions["jobs"], options: Partial<HopperOptions> = {}): Hopper {
  const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs, logger: silent, ...options });
  hoppers.push(hopper);
  return hopper;
}

const until = (predicate: () => boolean | Promise<boolean>, description: string) => waitUntil(predicate, description, 15_000);

/** Runs a worker until `performed` reaches `count` and every other message is delayed. */
async function drain(hopper: Hopper, queue: string, done: () => boolean): Promise<{ ready: number; delayed: number; inFlight: number }> {
  const worker = hopper.worker({ queues: [queue], pollWait: 20, handleSignals: false });
  const running = worker.run();
  const backend = await hopper.backend;
  await until(() => done(), "the jobs to run");
  let stats = await backend.stats!(queue);
  const deadline = Date.now() + 15_000;
  while ((stats.ready > 0 || stats.inFlight > 0) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    stats = await backend.stats!(queue);
  }
  await worker.stop({ timeout: 5000 });
  await running;
  return stats;
}

describe("rate limits: registration and enqueue refuse bad input, naming the field", () => {
  const jobWith = (rateLimit: unknown) =>
    class Limited extends Job<{ tenant: string }> {
      static override rateLimit = rateLimit as never;
      async perform() {}
    };
  it.each([
    [{ limit: 0, per: "1s" }, "Limited.rateLimit.limit"],
    [{ limit: -5, per: "1s" }, "Limited.rateLimit.limit"],
    [{ limit: 1.5, per: "1s" }, "Limited.rateLimit.limit"],
    [{ limit: 10, per: "1 fortnight" }, "Limited.rateLimit.per"],
    [{ limit: 10, per: 0 }, "Limited.rateLimit.per"],
    [{ limit: 10 }, "Limited.rateLimit.per"],
    [{ limit: 10, per: "1s", burst: 0 }, "Limited.rateLimit.burst"],
    [{ limit: 10, per: "1s", key: "tenant" }, "Limited.rateLimit.key"],
    [{ limit: 10, per: "1s", every: "1s" }, "Limited.rateLimit.every"],
    ["100/s", "Limited.rateLimit"],
  ])("refuses %j at createHopper", (rateLimit, field) => {
    expect(() => createHopper({ url: "memory://refuse", jobs: [jobWith(rateLimit)], logger: silent })).toThrow(expect.objectContaining({ field }));
  });

  it("refuses a bad per-queue override at createHopper", () => {
    expect(() => createHopper({ url: "memory://refuse", jobs: [], logger: silent, rateLimits: { queues: { payments: { limit: 0, per: "1s" } } } })).toThrow(
      expect.objectContaining({ field: "rateLimits.queues.payments.limit" }),
    );
    expect(() => createHopper({ url: "memory://refuse", jobs: [], logger: silent, rateLimits: { queues: { payments: true as never } } })).toThrow(expect.objectContaining({ field: "rateLimits.queues.payments" }));
  });

  it("rejects performLater when the key function throws or returns a non-string", async () => {
    const queue = uniqueQueue();
    class Keyed extends Job<{ tenant: unknown }> {
      static override queue = queue;
      static override rateLimit = {
        limit: 10,
        per: "1s",
        key: (args: { tenant: unknown }) => {
          if (args.tenant === "boom") throw new Error("no tenant");
          return args.tenant as string;
        },
      };
      async perform() {}
    }
    hopperFor(queue, [Keyed]);
    await expect(Keyed.performLater({ tenant: "boom" })).rejects.toSatisfy((error) => ConfigurationError.isInstance(error) && error.field === "Keyed.rateLimit.key");
    await expect(Keyed.performLater({ tenant: 42 })).rejects.toSatisfy((error) => ConfigurationError.isInstance(error) && error.field === "Keyed.rateLimit.key");
    await expect(Keyed.performLater({ tenant: "acme" })).resolves.toEqual(expect.any(String));
  });
});

describe("rate limits: a job over its limit waits without spending an attempt", () => {
  it("runs `burst` jobs of an idle bucket and re-delays the rest as the same attempt", async () => {
    const queue = uniqueQueue();
    const performed: number[] = [];
    class Limited extends Job<{ index: number }> {
      static override queue = queue;
      static override rateLimit = { limit: 3, per: "1h", burst: 3 };
      async perform({ index }: { index: number }) {
        performed.push(index);
      }
    }
    const hopper = hopperFor(queue, [Limited]);
    await Limited.performAllLater([0, 1, 2, 3, 4].map((index) => ({ index })));
    const stats = await drain(hopper, queue, () => performed.length >= 3);
    expect(performed).toHaveLength(3);
    expect(stats).toEqual({ ready: 0, delayed: 2, inFlight: 0 });
  });

  it("spaces the jobs of one bucket by the interval, each on its first attempt", async () => {
    const queue = uniqueQueue();
    const starts: { at: number; attempt: number }[] = [];
    class Spaced extends Job<Record<string, never>> {
      static override queue = queue;
      static override rateLimit = { limit: 1, per: "300ms" };
      async perform(_args: Record<string, never>, context: JobContext) {
        starts.push({ at: Date.now(), attempt: context.attempt });
      }
    }
    const hopper = hopperFor(queue, [Spaced]);
    await Spaced.performAllLater([{}, {}, {}]);
    await drain(hopper, queue, () => starts.length >= 3);
    expect(starts.map((start) => start.attempt)).toEqual([1, 1, 1]);
    const sorted = starts.map((start) => start.at).sort((a, b) => a - b);
    // A lower bound only: a loaded machine makes gaps longer, never shorter (timers may fire a millisecond early).
    expect(sorted[1]! - sorted[0]!).toBeGreaterThanOrEqual(290);
    expect(sorted[2]! - sorted[1]!).toBeGreaterThanOrEqual(290);
  });

  it("keeps one bucket per key", async () => {
    const queue = uniqueQueue();
    const performed: string[] = [];
    class PerTenant extends Job<{ tenant: string }> {
      static override queue = queue;
      static override rateLimit = { limit: 1, per: "1h", key: (args: { tenant: string }) => args.tenant };
      async perform({ tenant }: { tenant: string }) {
        performed.push(tenant);
      }
    }
    const hopper = hopperFor(queue, [PerTenant]);
    await PerTenant.performAllLater([{ tenant: "a" }, { tenant: "a" }, { tenant: "b" }]);
    const stats = await drain(hopper, queue, () => performed.length >= 2);
    expect(performed.sort()).toEqual(["a", "b"]);
    expect(stats.delayed).toBe(1);
  });

  it("lets a queue override the job's limit: a limit of its own, or false for none", async () => {
    const limitedQueue = uniqueQueue();
    const freeQueue = uniqueQueue();
    const performed: string[] = [];
    class Plain extends Job<{ queue: string }> {
      static override queue = limitedQueue;
      async perform({ queue }: { queue: string }) {
        performed.push(queue);
      }
    }
    class Declared extends Job<{ queue: string }> {
      static override queue = freeQueue;
      static override rateLimit = { limit: 1, per: "1h" };
      async perform({ queue }: { queue: string }) {
        performed.push(queue);
      }
    }
    const { store, calls } = countingStore();
    const hopper = hopperFor(limitedQueue, [Plain, Declared], { coordination: store, rateLimits: { queues: { [limitedQueue]: { limit: 1, per: "1h" }, [freeQueue]: false } } });
    await Plain.performAllLater([{ queue: limitedQueue }, { queue: limitedQueue }]);
    await Declared.performAllLater([{ queue: freeQueue }, { queue: freeQueue }, { queue: freeQueue }]);
    const freeStats = await drain(hopper, freeQueue, () => performed.filter((queue) => queue === freeQueue).length >= 3);
    expect(freeStats.delayed).toBe(0);
    expect(calls.filter((call) => call === "takeRateSlot")).toHaveLength(0);
    const limitedStats = await drain(hopper, limitedQueue, () => performed.filter((queue) => queue === limitedQueue).length >= 1);
    expect(performed.filter((queue) => queue === limitedQueue)).toHaveLength(1);
    expect(limitedStats.delayed).toBe(1);
  });

  it("answers a push platform 'done' for a held job, with a delayed copy keeping its attempt", async () => {
    const queue = uniqueQueue();
    let performed = 0;
    class Pushed extends Job<Record<string, never>> {
      static override queue = queue;
      static override rateLimit = { limit: 1, per: "1h" };
      async perform() {
        performed++;
      }
    }
    const hopper = hopperFor(queue, [Pushed]);
    const backend = await hopper.backend;
    const body = (id: string) => encodeEnvelope({ hopper: 1, id, job: "Pushed", version: 1, args: {}, queue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} } as never);
    // Third delivery by the platform: the hold must neither count it nor ask for a fourth.
    expect(await hopper.runMessage({ queue, id: "m1", body: body("j1"), deliveryAttempt: 1 })).toEqual({ status: "done" });
    expect(await hopper.runMessage({ queue, id: "m2", body: body("j2"), deliveryAttempt: 3 })).toEqual({ status: "done" });
    expect(performed).toBe(1);
    expect(await backend.stats!(queue)).toMatchObject({ delayed: 1 });
  });
});

describe("rate limits cost nothing when unused", () => {
  it("makes no coordination call for a job without a limit", async () => {
    const queue = uniqueQueue();
    let performed = 0;
    class Free extends Job<Record<string, never>> {
      static override queue = queue;
      async perform() {
        performed++;
      }
    }
    const { store, calls } = countingStore();
    const hopper = hopperFor(queue, [Free], { coordination: store });
    await Free.performAllLater([{}, {}, {}]);
    await drain(hopper, queue, () => performed >= 3);
    expect(performed).toBe(3);
    expect(calls).toEqual([]);
  });

  it("makes one store call per run of a limited job", async () => {
    const queue = uniqueQueue();
    let performed = 0;
    class Limited extends Job<Record<string, never>> {
      static override queue = queue;
      static override rateLimit = { limit: 1000, per: "1s", burst: 1000 };
      async perform() {
        performed++;
      }
    }
    const { store, calls } = countingStore();
    const hopper = hopperFor(queue, [Limited], { coordination: store });
    await Limited.performAllLater([{}, {}]);
    await drain(hopper, queue, () => performed >= 2);
    expect(calls.filter((call) => call === "takeRateSlot")).toHaveLength(2);
  });
});

describe("a throttled queue does not starve the worker's other queues", () => {
  it("runs unlimited jobs while a limited job waits in process for its slot, never more than `concurrency` performs at once", async () => {
    const limitedQueue = uniqueQueue();
    const freeQueue = `${limitedQueue}-free`;
    const order: string[] = [];
    let performing = 0;
    let mostAtOnce = 0;
    const perform = async (label: string) => {
      order.push(label);
      performing++;
      mostAtOnce = Math.max(mostAtOnce, performing);
      await new Promise((resolve) => setImmediate(resolve));
      performing--;
    };
    // 1 per 900 ms: the second job's slot is 900 ms ahead, within the in-process wait (≤ 1 s), so it waits in the worker.
    class Throttled extends Job<Record<string, never>> {
      static override queue = limitedQueue;
      static override rateLimit = { limit: 1, per: "900ms" };
      async perform() {
        await perform("limited");
      }
    }
    class Unlimited extends Job<Record<string, never>> {
      static override queue = freeQueue;
      async perform() {
        await perform("free");
      }
    }
    const hopper = hopperFor(limitedQueue, [Throttled, Unlimited]);
    await Throttled.performAllLater([{}, {}]);
    await Unlimited.performAllLater([{}, {}, {}]);
    // One slot, and strict order takes the limited queue first: the waiting job is the only one holding it.
    const worker = hopper.worker({ queues: [limitedQueue, freeQueue], order: "strict", concurrency: 1, pollWait: 20, handleSignals: false });
    const running = worker.run();
    await until(() => order.length >= 5, "every job to run");
    await worker.stop({ timeout: 5000 });
    await running;
    // The second limited job waited for its slot without keeping the unlimited ones out.
    expect(order.indexOf("free"), order.join(",")).toBeLessThan(order.lastIndexOf("limited"));
    expect(order.filter((label) => label === "limited")).toHaveLength(2);
    expect(mostAtOnce).toBe(1);
  });
});

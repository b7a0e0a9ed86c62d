// The Redis server's wall clock steps forward (an NTP step, a VM restore on the server's host) past every lease,
// while its leases are held. Lease deadlines are server time, so each looked lapsed at once: the next receive of any
// worker took a running job back and ran a second copy beside the first, and the first copy's renewal was refused.
// A worker now judges lapses by its own reckoning of the server's clock (its monotonic clock since the server last
// answered), and keeps that reckoning for a lease after it sees the server's clock jump (redis/src/server-clock.ts).
// (A step of the worker host's clock: redis-clock-step.test.ts.)
import { randomBytes } from "node:crypto";
import { createConsoleLogger, createHopper, type Hopper } from "@hopper/core";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRedisBackend, type RedisBackend } from "./redis-backend.js";
import { longRuns } from "./test-long-runs.js";
import { commandCalls, DisposableRedisServer } from "./test-redis-server.js";
import { SteppedServerClock } from "./test-server-clock.js";

const clock = SteppedServerClock.make();
const stepMs = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!clock)("the Redis server's clock steps forward past every lease", () => {
  let server: DisposableRedisServer;
  const opened: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    server = await DisposableRedisServer.start([], clock!.environment);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((each) => each.close()));
    clock!.setOffset(0);
  });
  afterAll(async () => {
    await server?.stop();
    clock!.dispose();
  });

  it("while a job runs, with another worker polling: one copy runs, to its end, its lease renewed throughout", { timeout: 30_000 }, async () => {
    const queue = `server-step-${randomBytes(4).toString("hex")}`;
    const runs = longRuns(queue);
    const [A, B] = [runs.jobOf("A"), runs.jobOf("B")];
    const hoppers: Hopper[] = [A, B].map((job) => createHopper({ backend: createRedisBackend({ url: server.url }), jobs: [job], logger: createConsoleLogger("silent") }));
    opened.push(...hoppers);
    const options = { handleSignals: false, pollWait: "100ms", lease: "2s", concurrency: 1, prefetch: 0 } as const;
    const workers = hoppers.map((hopper) => hopper.worker(options));
    const running = workers.map((worker) => worker.run());
    // Both workers have heard the server before the step: each has its reckoning of the server's clock.
    await sleep(300);
    await A.performLater({});
    while (runs.starts.length === 0) await sleep(20);
    clock!.setOffset(stepMs);
    await sleep(4500);
    await Promise.all(workers.map((worker) => worker.stop()));
    await Promise.all(running);
    expect({ starts: runs.starts.length, ends: runs.ends.length, mostAtOnce: runs.mostAtOnce }).toEqual({ starts: 1, ends: 1, mostAtOnce: 1 });
  });

  it("a lease whose holder is gone is still taken back, once it lapses by the clock the server kept before the step", { timeout: 30_000 }, async () => {
    const queue = `server-step-lapse-${randomBytes(4).toString("hex")}`;
    const holder: RedisBackend = createRedisBackend({ url: server.url });
    const other: RedisBackend = createRedisBackend({ url: server.url });
    opened.push(holder, other);
    await Promise.all([holder.open(), other.open()]);
    const receive = (backend: RedisBackend) => backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 3000 });
    // The other receiver hears the server first, as a running worker has.
    expect(await receive(other)).toEqual([]);
    await holder.enqueue([{ id: "held", queue, body: "{}" }]);
    // Counted from the send: the server took the lease after it.
    const leasedAt = performance.now();
    const [held] = await receive(holder);
    expect(held?.id).toBe("held");
    clock!.setOffset(stepMs);
    // By the server's stepped clock the lease ended 7 s ago; by the clock it kept before, it has 3 s to go.
    expect(await receive(other)).toEqual([]);
    // A receive that waits is told when the lease lapses on the server's clock (not "already"), and waits for it
    // rather than asking again and again.
    const admin = new Redis(server.url);
    try {
      const before = (await commandCalls(admin)).get("evalsha") ?? 0;
      expect(await other.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 3000 })).toEqual([]);
      expect(((await commandCalls(admin)).get("evalsha") ?? 0) - before).toBeLessThanOrEqual(5);
    } finally {
      admin.disconnect();
    }
    let taken: Awaited<ReturnType<typeof receive>> = [];
    while (taken.length === 0 && performance.now() - leasedAt < 15_000) {
      await sleep(100);
      taken = await receive(other);
    }
    expect(taken.map((message) => [message.id, message.deliveryAttempt])).toEqual([["held", 2]]);
    // Not before its lease ran out on the clock kept before the step (less the tolerance a reckoning allows).
    expect(performance.now() - leasedAt).toBeGreaterThan(2000);
    // The holder's lease was taken: its renewal is refused.
    expect(await held!.extendLease(3000)).toBe(false);
  });
});

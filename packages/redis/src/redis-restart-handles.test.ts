import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import type { Backend } from "@hopper/core/backend";
import { createRedisBackend } from "./redis-backend.js";
import { DisposableRedisServer } from "./test-redis-server.js";

// Found by the Redis review of 2026-12-07 (the next stop): a queue's handles came from a counter in its `meta`, which a
// restart without persistence (or a failover to a replica behind) starts over. A handle handed out before came back
// with delivery count 1, and a worker's lease from before the restart acked or nacked the new job: lost, or run twice
// at once. Handles now never fall below the server's clock (in µs), so none repeats across a restart.

const servers: DisposableRedisServer[] = [];
const backends: Backend[] = [];
afterEach(async () => {
  await Promise.all(backends.splice(0).map((backend) => backend.close().catch(() => {})));
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

describe.each([
  ["compact leases", true],
  ["message leases", false],
])("redis restarted without persistence (%s)", (_label, compactLeases) => {
  it.each(["ack", "nack"] as const)("a lease from before the restart cannot %s the job enqueued after it", async (settle) => {
    const server = await DisposableRedisServer.start(["--appendonly", "no"]);
    servers.push(server);
    const [before, after] = [createRedisBackend({ url: server.url, compactLeases }), createRedisBackend({ url: server.url, compactLeases })];
    backends.push(before, after);
    await before.enqueue([{ queue: "q", id: "job-X", body: "X" }]);
    const [stale] = await before.receive({ queue: "q", maxMessages: 1, waitMs: 100, leaseMs: 60_000 });
    expect(stale?.id).toBe("job-X");

    await server.kill();
    await server.restart();

    await after.enqueue([{ queue: "q", id: "job-Y", body: "Y" }]);
    const [running] = await after.receive({ queue: "q", maxMessages: 1, waitMs: 100, leaseMs: 60_000 });
    expect(running?.id).toBe("job-Y");
    // The worker that held job-X settles it late: its message went with the restart.
    await (settle === "ack" ? stale!.ack() : stale!.nack({ retryAfterMs: 0 })).catch(() => {});
    expect(await running!.extendLease(60_000)).toBe(true);
    expect(await after.stats!("q")).toEqual({ ready: 0, delayed: 0, inFlight: 1 });
    expect(await after.receive({ queue: "q", maxMessages: 1, waitMs: 100, leaseMs: 60_000 })).toEqual([]);
  });
});

// Found by the Redis review of 2026-12-07 (a later stop): a failover to a replica a few writes behind kept `seq` as the
// replica had it, so the handles the old primary handed out last were handed out again, to other jobs. Handles now
// never fall below the server's clock, at every send: the failover itself outlasts the writes the replica missed.
describe.each([
  ["compact leases", true],
  ["message leases", false],
])("redis failed over to a replica a few writes behind (%s)", (_label, compactLeases) => {
  it.each(["ack", "nack"] as const)("a lease the old primary gave cannot %s the job the new one gave its handle", async (settle) => {
    const server = await DisposableRedisServer.start(["--appendonly", "no"]);
    servers.push(server);
    const admin = new Redis(server.url);
    try {
      const [before, after] = [createRedisBackend({ url: server.url, compactLeases }), createRedisBackend({ url: server.url, compactLeases })];
      backends.push(before, after);
      await before.enqueue([{ queue: "q", id: "job-W", body: "W" }]);
      // What the replica holds: every key as it was before job-X's send, which never reached it.
      const replica = await Promise.all((await admin.keys("*")).map(async (key) => [key, await admin.dumpBuffer(key), await admin.pttl(key)] as const));
      await before.enqueue([{ queue: "q", id: "job-X", body: "X" }]);
      const leased = await before.receive({ queue: "q", maxMessages: 2, waitMs: 100, leaseMs: 60_000 });
      const stale = leased.find((message) => message.id === "job-X");
      expect(stale).toBeDefined();
      // The failover: the replica's data in place of the primary's (a promotion takes seconds; a few ms here).
      await new Promise((resolve) => setTimeout(resolve, 20));
      await admin.flushall();
      for (const [key, dump, ttl] of replica) await admin.restore(key, ttl > 0 ? ttl : 0, dump!);

      await after.enqueue([{ queue: "q", id: "job-Y", body: "Y" }]);
      const taken = await after.receive({ queue: "q", maxMessages: 2, waitMs: 100, leaseMs: 60_000 });
      const running = taken.find((message) => message.id === "job-Y");
      expect(running).toBeDefined();
      await (settle === "ack" ? stale!.ack() : stale!.nack({ retryAfterMs: 0 })).catch(() => {});
      expect(await running!.extendLease(60_000)).toBe(true);
      // job-W and job-Y both still leased by the new primary's receive; nothing ready again.
      expect(await after.stats!("q")).toEqual({ ready: 0, delayed: 0, inFlight: 2 });
    } finally {
      admin.disconnect();
    }
  });
});

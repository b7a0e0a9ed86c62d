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

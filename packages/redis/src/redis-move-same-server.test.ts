/**
 * moveJobs between two Redis backends on one server reached by two URLs (127.0.0.1 and localhost): the same queues,
 * which the move must refuse (a job holding a dedupe key would be answered a duplicate by its own copy, then acked
 * away). Another key prefix on the same server is other queues, and moves.
 */
import { ConfigurationError, moveJobs } from "@hopper/core";
import { describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

describe.skipIf(!redisUrl)("moveJobs on one Redis server", () => {
  const queue = `move-same-${Date.now().toString(36)}`;
  const keyPrefix = `movesame${Date.now().toString(36)}`;
  const otherUrl = () => redisUrl!.replace("127.0.0.1", "localhost");

  it("refuses a target holding the same queues under another URL, and leaves the jobs (a dedupe key's holder too)", async () => {
    expect(otherUrl()).not.toBe(redisUrl);
    const [from, to] = [createRedisBackend({ url: redisUrl!, keyPrefix }), createRedisBackend({ url: otherUrl(), keyPrefix })];
    try {
      await from.enqueue([{ id: "job-deduped", queue, body: "{}", dedupeKey: "only-one" }]);
      // Refused before anything is leased or sent (the loop guard would stop only once a sent job came back).
      await expect(moveJobs({ from, to, queues: [queue], idleWaitMs: 0 })).rejects.toSatisfy((error: unknown) => ConfigurationError.isInstance(error) && error.field === "to" && /holds the same queues/.test(error.message));
      expect(await from.stats!(queue)).toEqual({ ready: 1, delayed: 0, inFlight: 0 });
    } finally {
      await from.close();
      await to.close();
    }
  });

  it("moves between two key prefixes of one server: they are other queues", async () => {
    const [from, to] = [createRedisBackend({ url: redisUrl!, keyPrefix }), createRedisBackend({ url: otherUrl(), keyPrefix: `${keyPrefix}b` })];
    try {
      const other = `${queue}-other`;
      await from.enqueue([{ id: "job-moved", queue: other, body: JSON.stringify({ hopper: 1, id: "job-moved", job: "Work", version: 1, args: {}, queue: other, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} }) }]);
      const report = await moveJobs({ from, to, queues: [other], idleWaitMs: 0 });
      expect(report.moved).toBe(1);
      expect(await to.stats!(other)).toEqual({ ready: 1, delayed: 0, inFlight: 0 });
      expect(await from.stats!(other)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    } finally {
      await from.close();
      await to.close();
    }
  });

  // Found by the reviews of 2026-12-07 (the next stop): each moved job left its source record `waiting`, with no
  // expiry on Redis, for good (and the source's hopper.jobs said it still waited).
  it("removes a moved job's record from the source, which keeps none for good", async () => {
    const [from, to] = [createRedisBackend({ url: redisUrl!, keyPrefix: `${keyPrefix}r` }), createRedisBackend({ url: otherUrl(), keyPrefix: `${keyPrefix}rb` })];
    const records = from.recordStore!();
    try {
      const recorded = `${queue}-recorded`;
      const body = (id: string) => JSON.stringify({ hopper: 1, id, job: "Work", version: 1, args: {}, queue: recorded, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
      await from.enqueue(["job-r1", "job-r2"].map((id) => ({ id, queue: recorded, body: body(id) })));
      await records.insert(["job-r1", "job-r2"].map((id) => ({ id, job: "Work", queue: recorded, enqueuedAt: Date.now(), runAt: null, ttlMs: 100 * 365 * 86_400_000 })));
      expect((await records.get("job-r1"))?.state).toBe("waiting");
      expect((await moveJobs({ from, to, queues: [recorded], idleWaitMs: 0 })).moved).toBe(2);
      expect([await records.get("job-r1"), await records.get("job-r2")]).toEqual([undefined, undefined]);
    } finally {
      await records.close?.();
      await from.close();
      await to.close();
    }
  });
});

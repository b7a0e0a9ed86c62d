import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedisBackend } from "./index.js";
import { queueKeys, type QueueKeys } from "./redis-keys.js";
import { seededHandle, seedHandles } from "./test-redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

// Redis does not roll back a script's earlier writes when a later command errors, so a
// script that reads between writes can stop half done. A message hash replaced by a string
// makes the read of it fail (WRONGTYPE) on a single Redis, as a non-local key does in a cluster.
describe.skipIf(!redisUrl)("redis: a script stopped by an error mid-way has written nothing", () => {
  it("receive: a message hash that cannot be read fails the call before any index or hash changes", { timeout: 30_000 }, async () => {
    const backend = createRedisBackend({ url: redisUrl });
    const admin = new Redis(redisUrl!);
    const queue = `partial-receive-${randomBytes(4).toString("hex")}`;
    const keys = queueKeys("hopper", queue);
    try {
      await backend.enqueue(["first", "broken", "third"].map((id) => ({ id, queue, body: id })));
      const [, brokenHandle] = await admin.zrange(keys.ready, 0, -1);
      await admin.set(`${keys.base}m:${brokenHandle}`, "not a hash");
      const before = await snapshot(admin, keys);

      await expect(backend.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 30_000 })).rejects.toThrow(/WRONGTYPE/);
      // Every handle still in ready, none leased or parked, no delivery counted.
      expect(await snapshot(admin, keys)).toEqual(before);
      expect(before.ready).toHaveLength(6);
    } finally {
      await backend.close();
      admin.disconnect();
    }
  });

  it("enqueue: a batch whose reads fail part-way is stored not at all (no handle indexed without its hash)", { timeout: 30_000 }, async () => {
    const backend = createRedisBackend({ url: redisUrl });
    const admin = new Redis(redisUrl!);
    const queue = `partial-enqueue-${randomBytes(4).toString("hex")}`;
    const keys = queueKeys("hopper", queue);
    try {
      // A queued message holds dedupe key "k"; its hash then becomes unreadable.
      await backend.enqueue([{ id: "holder", queue, body: "holder", dedupeKey: "k" }]);
      const [holderHandle] = await admin.zrange(keys.ready, 0, 0);
      await admin.set(`${keys.base}m:${holderHandle}`, "not a hash");
      const before = await snapshot(admin, keys);

      // The third job's dedupe lookup reads the holder's hash: it must fail before the first two are stored.
      const results = await backend.enqueue([
        { id: "now", queue, body: "now" },
        { id: "later", queue, body: "later", delayMs: 60_000 },
        { id: "same-key", queue, body: "same-key", dedupeKey: "k" },
      ]);
      expect(results.map((result) => [result.status, result.status === "failed" ? result.error.message : ""])).toEqual([
        ["failed", expect.stringMatching(/WRONGTYPE/)],
        ["failed", expect.stringMatching(/WRONGTYPE/)],
        ["failed", expect.stringMatching(/WRONGTYPE/)],
      ]);
      expect(await snapshot(admin, keys)).toEqual(before);
    } finally {
      await backend.close();
      admin.disconnect();
    }
  });

  it("enqueue: the first new message's hash key holding a string indexes no handle", { timeout: 30_000 }, async () => {
    const backend = createRedisBackend({ url: redisUrl });
    const admin = new Redis(redisUrl!);
    const queue = `partial-first-hash-${randomBytes(4).toString("hex")}`;
    const keys = queueKeys("hopper", queue);
    try {
      // Seeded above the server's clock, so the handles that follow are known (enqueue.lua).
      await seedHandles(admin, keys.base);
      await backend.enqueue([{ id: "earlier", queue, body: "earlier" }]);
      const firstNewKey = `${keys.base}m:${seededHandle(2)}`;
      await admin.set(firstNewKey, "not a hash");
      const before = await snapshot(admin, keys);

      const results = await backend.enqueue([
        { id: "a", queue, body: "a" },
        { id: "b", queue, body: "b", delayMs: 60_000 },
      ]);
      expect(results.map((result) => result.status)).toEqual(["failed", "failed"]);
      const after = await snapshot(admin, keys);
      expect({ ready: after.ready, delayed: after.delayed, hashes: after.hashes }).toEqual({ ready: before.ready, delayed: before.delayed, hashes: before.hashes });
      expect(await admin.exists(`${keys.base}m:${seededHandle(3)}`)).toBe(0);
    } finally {
      await backend.close();
      admin.disconnect();
    }
  });

  it("enqueue: a message hash the server refuses to touch fails the batch before the seq counter or a record is written (the probe)", { timeout: 30_000 }, async () => {
    const admin = new Redis(redisUrl!);
    const queue = `partial-probe-${randomBytes(4).toString("hex")}`;
    const keys = queueKeys("hopper", queue);
    // A user that may touch the queue's indexes and the records but no message hash: on one node, the
    // stand-in for a cluster node that no longer holds the hash (EXISTS accepts a key of any type, so a
    // string there would not stop the probe; a key refused by the ACL does).
    const user = `probe-${randomBytes(4).toString("hex")}`;
    const indexes = ["ready", "delayed", "leased", "meta", "dedupe", "orphans"].map((name) => `~${keys.base}${name}`);
    await admin.acl("SETUSER", user, "on", "nopass", "+@all", "allchannels", "~hopper:*", ...indexes);
    const url = new URL(redisUrl!);
    url.username = user;
    const backend = createRedisBackend({ url: url.toString() });
    try {
      await admin.hset(keys.meta, "seq", 7);
      const before = await snapshot(admin, keys);
      const results = await backend.enqueue([
        { id: `${queue}-a`, queue, body: "a", record: { id: `${queue}-a`, job: "Noop", queue, enqueuedAt: Date.now(), runAt: null, ttlMs: 60_000 } as never },
        { id: `${queue}-b`, queue, body: "b" },
      ]);
      expect(results.map((result) => [result.status, result.status === "failed" ? result.error.message : ""])).toEqual([
        ["failed", expect.stringMatching(/can't access at least one of the keys/)],
        ["failed", expect.stringMatching(/can't access at least one of the keys/)],
      ]);
      // No record for a job that was never stored, and not even the handle counter moved.
      expect(await admin.keys(`hopper:record:${queue}-*`)).toEqual([]);
      expect(await snapshot(admin, keys)).toEqual(before);
    } finally {
      await backend.close();
      await admin.acl("DELUSER", user);
      admin.disconnect();
    }
  });
});

/** The queue's indexes and every message hash (a string where one was planted), to compare before and after. */
async function snapshot(admin: Redis, keys: QueueKeys) {
  const messageKeys = (await admin.keys(`${keys.base}m:*`)).sort();
  const hashes: Record<string, unknown> = {};
  for (const key of messageKeys) hashes[key] = (await admin.type(key)) === "hash" ? await admin.hgetall(key) : await admin.get(key);
  return {
    ready: await admin.zrange(keys.ready, 0, -1, "WITHSCORES"),
    delayed: await admin.zrange(keys.delayed, 0, -1, "WITHSCORES"),
    leased: await admin.zrange(keys.leased, 0, -1, "WITHSCORES"),
    orphans: await admin.zrange(keys.orphans, 0, -1, "WITHSCORES"),
    meta: await admin.hgetall(keys.meta),
    dedupe: await admin.hgetall(keys.dedupe),
    hashes,
  };
}

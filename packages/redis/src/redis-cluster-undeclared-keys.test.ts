import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { ReceivedMessage } from "@hopper/core/backend";
import { Cluster, type Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedisBackend, type RedisBackend } from "./redis-backend.js";
import { type QueueKeys, queueKeys } from "./redis-keys.js";
import { parseClusterNodes, SlotMigration } from "./test-redis-cluster.js";
import { seededHandle, seedHandles, withBackend } from "./test-redis-backend.js";
import { redisClusterNodes, redisUrl } from "./test-redis-service.js";

const clusterNodes = redisClusterNodes();
const longLease = 120_000;

interface ClusterQueue {
  readonly client: Cluster;
  readonly backend: RedisBackend;
  readonly queue: string;
  readonly keys: QueueKeys;
  readonly lineKey: string;
  /** Starts moving the queue's slot to another master; the helper finishes it after the test if the test did not. */
  migrate(): Promise<SlotMigration>;
}

/** Runs `body` on a queue of its own on the cluster, then finishes any migration it began and closes the backend. */
async function onClusterQueue(body: (queue: ClusterQueue) => Promise<void>): Promise<void> {
  const nodes = parseClusterNodes(clusterNodes!);
  const client = new Cluster(nodes, { retryDelayOnTryAgain: 20 });
  const backend = createRedisBackend({ client });
  const queue = `lines-${randomBytes(4).toString("hex")}`;
  const keys = queueKeys("hopper", queue);
  let migration: SlotMigration | undefined;
  try {
    await body({ client, backend, queue, keys, lineKey: `${keys.base}o:line`, migrate: async () => (migration = await SlotMigration.begin(client, nodes, keys.ready)) });
  } finally {
    await migration?.finish();
    await backend.close();
    client.disconnect();
  }
}

/**
 * On Redis Cluster a script's undeclared keys that have not moved yet look missing on the importing node, where the
 * script runs (after ASK) once its declared keys are there. An ordering line's key is named by its messages, so
 * each test moves every key the script declares except the line, then calls it.
 */
describe.skipIf(!clusterNodes)("redis cluster: an ordering line left behind by a slot migration", () => {
  // Removing the head without handing the line on would stall it for good once it arrives (its head a message that is gone).
  it("an ack of the line's head waits for the line, and the next in line runs", { timeout: 60_000 }, async () => {
    await onClusterQueue(async ({ client, backend, queue, keys, lineKey, migrate }) => {
      // Every key the ack declares exists (a missing one would make Redis answer TRYAGAIN to the whole script):
      // a delayed job, a dedupe key, a parked orphan, and a plain job left ready beside the line.
      await backend.enqueue([
        { id: "head", queue, body: "head", orderingKey: "line", dedupeKey: "once" },
        { id: "next", queue, body: "next", orderingKey: "line" },
        { id: "later", queue, body: "later", delayMs: 3_600_000 },
      ]);
      const [head] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: longLease });
      expect(head?.id).toBe("head");
      await backend.enqueue([{ id: "plain", queue, body: "plain" }]);
      await client.zadd(keys.orphans, "0", "999999999999999");
      const headKey = `${keys.base}m:${(await client.zrange(keys.leased, 0, -1))[0]}`;
      expect(await client.lrange(lineKey, 0, -1)).toHaveLength(2);

      const migration = await migrate();
      await migration.move([keys.ready, keys.delayed, keys.leased, keys.meta, keys.dedupe, keys.orphans, headKey]);
      const acked = head!.ack();
      // The ack meets the half-moved slot; the migration then finishes, line and all.
      await sleep(500);
      await migration.finish();
      await acked;

      const delivered: ReceivedMessage[] = [];
      const deadline = Date.now() + 10_000;
      while (delivered.length < 2 && Date.now() < deadline) {
        delivered.push(...(await backend.receive({ queue, maxMessages: 10, waitMs: 500, leaseMs: longLease })));
      }
      expect(delivered.map((message) => message.id).sort()).toEqual(["next", "plain"]);
      expect(await client.exists(headKey)).toBe(0);
      expect(await client.hget(keys.meta, "waiting")).toBe("0");
      await Promise.all(delivered.map((message) => message.ack()));
      expect(await client.exists(lineKey)).toBe(0);
    });
  });

  // A second line started on the target would be refused by MIGRATE (BUSYKEY) when the source's arrives.
  it("an enqueue to the line waits for it, not starting a second line on the target", { timeout: 60_000 }, async () => {
    await onClusterQueue(async ({ client, backend, queue, keys, lineKey, migrate }) => {
      // The keys the enqueue declares all exist: a delayed job holding a dedupe key.
      await backend.enqueue([
        { id: "first", queue, body: "first", orderingKey: "line" },
        { id: "later", queue, body: "later", delayMs: 3_600_000, dedupeKey: "once" },
      ]);
      const migration = await migrate();
      await migration.move([keys.ready, keys.delayed, keys.meta, keys.dedupe]);
      const enqueued = backend.enqueue([{ id: "second", queue, body: "second", orderingKey: "line" }]);
      await sleep(500);
      await migration.finish();
      expect(await enqueued).toEqual([{ status: "enqueued", id: "second" }]);
      expect(await client.lrange(lineKey, 0, -1)).toHaveLength(2);

      // One at a time, in order.
      const [first, ...others] = await backend.receive({ queue, maxMessages: 10, waitMs: 500, leaseMs: longLease });
      expect([first?.id, others]).toEqual(["first", []]);
      await first!.ack();
      const [second] = await backend.receive({ queue, maxMessages: 10, waitMs: 2000, leaseMs: longLease });
      expect(second?.id).toBe("second");
      await second!.ack();
    });
  });
});

describe.skipIf(!clusterNodes)("redis cluster: a dedupe key's holder left behind by a slot migration", () => {
  // Its message looking gone on the target, the key would go to a second job.
  it("an enqueue with the key waits for the holder and answers with its id", { timeout: 60_000 }, async () => {
    await onClusterQueue(async ({ client, backend, queue, keys, migrate }) => {
      await backend.enqueue([
        { id: "holder", queue, body: "holder", dedupeKey: "once" },
        { id: "later", queue, body: "later", delayMs: 3_600_000 },
      ]);
      const migration = await migrate();
      await migration.move([keys.ready, keys.delayed, keys.meta, keys.dedupe]);
      const enqueued = backend.enqueue([{ id: "copy", queue, body: "copy", dedupeKey: "once" }]);
      await sleep(500);
      await migration.finish();
      expect(await enqueued).toEqual([{ status: "duplicate", id: "copy", existingId: "holder" }]);
      const received = await backend.receive({ queue, maxMessages: 10, waitMs: 500, leaseMs: longLease });
      expect(received.map((message) => message.id)).toEqual(["holder"]);
      expect(await client.hget(keys.dedupe, "once")).not.toBeNull();
      await Promise.all(received.map((message) => message.ack()));
    });
  });
});

/** Runs `body` on `queue` of a backend of its own on the single-node server. */
async function onNodeQueue(queue: string, body: (backend: RedisBackend, raw: Redis, keys: QueueKeys) => Promise<void>): Promise<void> {
  await withBackend(async (backend, raw, keyPrefix) => {
    const keys = queueKeys(keyPrefix, queue);
    await seedHandles(raw, keys.base);
    await body(backend, raw, keys);
  }, "lines");
}

describe.skipIf(!redisUrl)("redis: keys a script names only once it has read them, deleted by hand", () => {
  it("an ack of an ordering line's head still removes the message (asked again with the line declared, then passed over)", { timeout: 30_000 }, async () => {
    await onNodeQueue("handmade", async (backend, raw, keys) => {
      await backend.enqueue([{ id: "head", queue: "handmade", body: "head", orderingKey: "line" }]);
      const [head] = await backend.receive({ queue: "handmade", maxMessages: 1, waitMs: 1000, leaseMs: longLease });
      await raw.del(`${keys.base}o:line`);
      await head!.ack();
      expect(await raw.exists(`${keys.base}m:${seededHandle(1)}`)).toBe(0);
      expect(await raw.zcard(keys.leased)).toBe(0);
    });
  });

  it("an enqueue with a dedupe key whose holder's message is gone takes the key (asked again with the holder declared)", { timeout: 30_000 }, async () => {
    await onNodeQueue("handmade", async (backend, raw, keys) => {
      await backend.enqueue([{ id: "holder", queue: "handmade", body: "holder", dedupeKey: "once" }]);
      await raw.del(`${keys.base}m:${seededHandle(1)}`);
      expect(await backend.enqueue([{ id: "next", queue: "handmade", body: "next", dedupeKey: "once" }])).toEqual([{ status: "enqueued", id: "next" }]);
      expect(await raw.hget(keys.dedupe, "once")).toBe(seededHandle(2));
    });
  });

  it("a line's next, delayed and parked while its message was away, waits for its time once found again", { timeout: 30_000 }, async () => {
    const queue = "parked-next";
    await onNodeQueue(queue, async (backend, raw, keys) => {
      const nextKey = `${keys.base}m:${seededHandle(2)}`;
      await backend.enqueue([{ id: "head", queue, body: "head", orderingKey: "line" }, { id: "next", queue, body: "next", orderingKey: "line", delayMs: 60_000 }]);
      const [head] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: longLease });
      // The next message's hash is away (as on a node its slot is leaving) when the head is acked: its handle is parked.
      const saved = await raw.dumpBuffer(nextKey);
      await raw.del(nextKey);
      await head!.ack();
      expect(await raw.zrange(keys.orphans, 0, -1)).toEqual([seededHandle(2)]);
      await raw.restore(nextKey, 0, saved!);
      // Found again a second later: due in a minute, it waits in delayed rather than running now.
      await sleep(1100);
      expect(await backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: longLease })).toEqual([]);
      expect(await raw.zscore(keys.delayed, seededHandle(2))).toBe(await raw.hget(nextKey, "at"));
      expect(await raw.zcard(keys.orphans)).toBe(0);
    });
  });
});

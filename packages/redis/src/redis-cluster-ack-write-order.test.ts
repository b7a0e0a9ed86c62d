import { randomBytes } from "node:crypto";
import { Cluster } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { queueKeys } from "./redis-keys.js";
import { parseClusterNodes, SlotMigration } from "./test-redis-cluster.js";
import { redisClusterNodes } from "./test-redis-service.js";

const clusterNodes = redisClusterNodes();

/**
 * On a slot being migrated, a script may touch only keys that exist: one its own write emptied (and Redis deleted)
 * and a later write of it touches is refused there, half way through. An ack call that removed a taken handle from
 * `ready` (parked there by an older release's reclaim) before scheduling an ordering line's next message into
 * `ready` stopped after the line moved on, and the next message was indexed nowhere (found by review 55b; written
 * from its reproduction). The call must land whole, and the next message run.
 */
describe.skipIf(!clusterNodes)("redis cluster: an ack call's writes on a slot being migrated", () => {
  for (const compactLeases of [false, true]) {
    it(`an ack that takes a parked handle and hands an ordering line on loses no job (compact leases: ${compactLeases})`, { timeout: 60_000 }, async () => {
      const nodes = parseClusterNodes(clusterNodes!);
      const client = new Cluster(nodes, { retryDelayOnTryAgain: 50 });
      const backend = createRedisBackend({ client, compactLeases });
      const queue = `ackorder-${randomBytes(4).toString("hex")}`;
      const keys = queueKeys("hopper", queue);
      let migration: SlotMigration | undefined;
      try {
        await backend.enqueue([
          { id: "parked", queue, body: "{}", dedupeKey: "d1" },
          { id: "head", queue, body: "{}", orderingKey: "o" },
          { id: "next", queue, body: "{}", orderingKey: "o" },
          { id: "later", queue, body: "{}", delayMs: 3_600_000 },
        ]);
        const held = await backend.receive({ queue, maxMessages: 10, waitMs: 1000, leaseMs: 120_000 });
        expect(held.map((message) => message.id).sort()).toEqual(["head", "parked"]);
        // As a release before 141de82 reclaimed it: back in `ready` with its lease mark left, alone there.
        const parkedHandle = (await client.hget(keys.dedupe, "d1"))!;
        await client.zrem(keys.leased, parkedHandle);
        await client.zadd(keys.ready, 0, parkedHandle);
        // An orphan whose hash is missing, so every key the ack declares exists when the migration begins.
        await client.zadd(keys.orphans, Date.now() + 3_600_000, "999999999999999");
        migration = await SlotMigration.begin(client, nodes, keys.ready);
        const acks = await Promise.allSettled(held.map((message) => message.ack()));
        await migration.finish();
        expect(acks.map((ack) => ack.status)).toEqual(["fulfilled", "fulfilled"]);
        const again = await backend.receive({ queue, maxMessages: 10, waitMs: 1500, leaseMs: 120_000 });
        expect(again.map((message) => message.id)).toEqual(["next"]);
        await again[0]!.ack();
      } finally {
        await migration?.finish();
        await backend.close();
        client.disconnect();
      }
    });
  }
});

import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Cluster } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { queueKeys } from "./redis-keys.js";
import { parseClusterNodes, SlotMigration } from "./test-redis-cluster.js";
import { redisClusterNodes } from "./test-redis-service.js";

const clusterNodes = redisClusterNodes();

/**
 * On a slot being migrated, a script may touch only keys that exist: one its own write emptied (and Redis deleted)
 * and a later write touches is refused there, half way through. A receive that reclaimed every lease in `leased`
 * (their leases ran out) before adding the new ones stopped after taking the new jobs off `ready`: they were left
 * indexed nowhere, never delivered. The call must land whole, and every job be delivered.
 */
describe.skipIf(!clusterNodes)("redis cluster: a receive's writes on a slot being migrated", () => {
  for (const compactLeases of [false, true]) {
    it(`a receive that reclaims every expired lease and leases new jobs loses none (compact leases: ${compactLeases})`, { timeout: 60_000 }, async () => {
      const nodes = parseClusterNodes(clusterNodes!);
      const client = new Cluster(nodes, { retryDelayOnTryAgain: 50 });
      const backend = createRedisBackend({ client, compactLeases });
      const queue = `receiveorder-${randomBytes(4).toString("hex")}`;
      const keys = queueKeys("hopper", queue);
      let migration: SlotMigration | undefined;
      try {
        await backend.enqueue([{ id: "expired", queue, body: "{}" }]);
        const [first] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 50 });
        expect(first?.id).toBe("expired");
        await backend.enqueue([{ id: "fresh", queue, body: "{}" }, { id: "later", queue, body: "{}", delayMs: 3_600_000 }]);
        // An orphan whose hash is missing, so every key the receive declares exists when the migration begins.
        await client.zadd(keys.orphans, Date.now() + 3_600_000, "999999999999999");
        await sleep(150);
        migration = await SlotMigration.begin(client, nodes, keys.ready);
        const taken = await backend.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 120_000 });
        await migration.finish();
        expect(taken.map((message) => message.id).sort()).toEqual(["expired", "fresh"]);
        expect(taken.find((message) => message.id === "expired")?.deliveryAttempt).toBe(2);
        expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 1, inFlight: 2 });
        await Promise.all(taken.map((message) => message.ack()));
      } finally {
        await migration?.finish();
        await backend.close();
        client.disconnect();
      }
    });
  }
});

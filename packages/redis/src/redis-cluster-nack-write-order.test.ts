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
 * On a slot being migrated, a script may touch only keys the source still holds. A nack removes the lease from
 * `leased` before it writes the message hash; a compact lease is proven by its member alone, so had the nack run
 * with its message hash already moved (it is declared: Redis answers TRYAGAIN instead), it would have dropped the
 * lease and then been refused at the hash: the message in no index, never delivered again.
 */
describe.skipIf(!clusterNodes)("redis cluster: a nack's writes on a slot being migrated", () => {
  for (const compactLeases of [false, true]) {
    it(`a nack whose message hash has already moved waits the move out and hands the job back whole (compact leases: ${compactLeases})`, { timeout: 60_000 }, async () => {
      const nodes = parseClusterNodes(clusterNodes!);
      const client = new Cluster(nodes, { retryDelayOnTryAgain: 50 });
      const backend = createRedisBackend({ client, compactLeases });
      const queue = `nackorder-${randomBytes(4).toString("hex")}`;
      const keys = queueKeys("hopper", queue);
      let migration: SlotMigration | undefined;
      try {
        await backend.enqueue([
          { id: "nacked", queue, body: "{}" },
          { id: "waiting", queue, body: "{}" },
          { id: "later", queue, body: "{}", delayMs: 3_600_000 },
        ]);
        const [held] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 120_000 });
        expect(held?.id).toBe("nacked");
        // Every other key the nack declares (ready, delayed, leased) stays on the source, so it is not refused at once.
        const [member] = await client.zrange(keys.leased, 0, -1);
        migration = await SlotMigration.begin(client, nodes, keys.ready);
        await migration.move([`${keys.base}m:${member!.split(":")[0]}`]);
        const nacked = held!.nack();
        await sleep(300);
        await migration.finish();
        await expect(nacked).resolves.toBeUndefined();
        expect(await backend.stats!(queue)).toEqual({ ready: 2, delayed: 1, inFlight: 0 });
        const again = await backend.receive({ queue, maxMessages: 10, waitMs: 1000, leaseMs: 120_000 });
        expect(again.map((message) => [message.id, message.deliveryAttempt])).toEqual([
          ["nacked", 2],
          ["waiting", 1],
        ]);
        await Promise.all(again.map((message) => message.ack()));
        expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 1, inFlight: 0 });
      } finally {
        await migration?.finish();
        await backend.close();
        client.disconnect();
      }
    });
  }
});

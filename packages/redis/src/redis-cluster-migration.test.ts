import { randomBytes } from "node:crypto";
import type { ReceivedMessage } from "@hopper/core/backend";
import { Cluster } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { queueKeys, type QueueKeys } from "./redis-keys.js";
import { parseClusterNodes, SlotMigration } from "./test-redis-cluster.js";
import { redisClusterNodes } from "./test-redis-service.js";

const clusterNodes = redisClusterNodes();
const longLease = 120_000;

/**
 * A real slot migration, stopped half way with the keys split between the two
 * masters in the order that hurts, while a receive runs; then finished. Every
 * ready job must be delivered exactly once (leases are long, so no redelivery).
 */
describe.skipIf(!clusterNodes)("redis cluster: a slot migration during receive loses no job", () => {
  const cases: { name: string; moveFirst: (keys: QueueKeys, handles: string[]) => string[] }[] = [
    // The script then runs on the target (ASK): message hashes are still on the source.
    { name: "queue indexes moved before the message hashes", moveFirst: (keys) => [keys.ready, keys.delayed, keys.leased] },
    // The script then runs on the source: the message hashes it reads are already gone.
    { name: "message hashes moved before the queue indexes", moveFirst: (keys, handles) => handles.map((handle) => `${keys.base}m:${handle}`) },
  ];

  // Each with leases written into the message and with compact leases (RedisBackendOptions.compactLeases).
  for (const { name, moveFirst, compactLeases } of cases.flatMap((each) => [false, true].map((compactLeases) => ({ ...each, compactLeases })))) {
    it(`${name}${compactLeases ? " (compact leases)" : ""}`, { timeout: 60_000 }, async () => {
      const nodes = parseClusterNodes(clusterNodes!);
      const client = new Cluster(nodes, { retryDelayOnTryAgain: 50 });
      const backend = createRedisBackend({ client, compactLeases });
      const queue = `migrate-${randomBytes(4).toString("hex")}`;
      const keys = queueKeys("hopper", queue);
      let migration: SlotMigration | undefined;
      const delivered: ReceivedMessage[] = [];
      try {
        // One leased and one delayed message, so all three indexes exist as keys and move as such.
        await backend.enqueue([{ id: "leased", queue, body: "held" }]);
        const [held] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: longLease });
        expect(held?.id).toBe("leased");
        const ids = ["j1", "j2", "j3", "j4"];
        await backend.enqueue([{ id: "later", queue, body: "later", delayMs: 3_600_000 }, ...ids.map((id) => ({ id, queue, body: id }))]);
        const readyHandles = await client.zrange(keys.ready, 0, -1);
        expect(readyHandles).toHaveLength(ids.length);

        migration = await SlotMigration.begin(client, nodes, keys.ready);
        await migration.move(moveFirst(keys, readyHandles));
        // Receiving mid-migration may deliver, fail and be retried, or find nothing yet: it must not lose a job.
        try {
          delivered.push(...(await backend.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: longLease })));
        } catch {
          // A cluster error here is fine as long as nothing was taken out of the queue by it.
        }
        await migration.finish();

        const deadline = Date.now() + 20_000;
        while (delivered.length < ids.length && Date.now() < deadline) {
          delivered.push(...(await backend.receive({ queue, maxMessages: 10, waitMs: 500, leaseMs: longLease })));
        }
        expect(delivered.map((message) => message.id).sort()).toEqual(ids);
        await Promise.all([...delivered, held!].map((message) => message.ack()));
        expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 1, inFlight: 0 });
      } finally {
        await migration?.finish();
        await backend.close();
        client.disconnect();
      }
    });
  }
});

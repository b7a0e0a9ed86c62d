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
 * On a slot being migrated, a script may touch only keys the source still holds. takeScheduled reads every
 * message hash it will lease before it takes any handle off `delayed`: had it read and taken them one by one, a
 * hash already moved would have stopped it after the handles before were taken off `delayed` but before any
 * reached `leased`, indexed nowhere. (Compact leases do not matter here: take-scheduled.lua always leases by count.)
 */
describe.skipIf(!clusterNodes)("redis cluster: takeScheduled's writes on a slot being migrated", () => {
  it("a take that meets a moved message hash waits the move out and leases every delayed job once", { timeout: 60_000 }, async () => {
    const nodes = parseClusterNodes(clusterNodes!);
    const client = new Cluster(nodes, { retryDelayOnTryAgain: 50 });
    const backend = createRedisBackend({ client });
    const queue = `takeorder-${randomBytes(4).toString("hex")}`;
    const keys = queueKeys("hopper", queue);
    let migration: SlotMigration | undefined;
    try {
      await backend.enqueue([
        { id: "held", queue, body: "{}" },
        { id: "soon", queue, body: "{}", delayMs: 3_600_000 },
        { id: "late", queue, body: "{}", delayMs: 7_200_000 },
      ]);
      // A lease in `leased`, so both keys the take declares are on the source and the script runs there.
      const held = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 120_000 });
      expect(held.map((message) => message.id)).toEqual(["held"]);
      const [, late] = await client.zrange(keys.delayed, 0, -1);
      migration = await SlotMigration.begin(client, nodes, keys.ready);
      await migration.move([`${keys.base}m:${late!}`]);
      const taking = backend.takeScheduled!({ queue, maxMessages: 10, leaseMs: 120_000 });
      await sleep(300);
      await migration.finish();
      const taken = await taking;
      expect(taken.map((message) => [message.id, message.deliveryAttempt])).toEqual([
        ["soon", 1],
        ["late", 1],
      ]);
      expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 3 });
      await Promise.all([...held, ...taken].map((message) => message.ack()));
      expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    } finally {
      await migration?.finish();
      await backend.close();
      client.disconnect();
    }
  });
});

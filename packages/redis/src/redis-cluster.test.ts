import { randomBytes } from "node:crypto";
import { Cluster } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { queueKeys } from "./redis-keys.js";
import { clusterSlotOwner } from "./test-redis-cluster.js";
import { redisClusterNodes } from "./test-redis-service.js";

const clusterNodes = redisClusterNodes();

describe.skipIf(!clusterNodes)("redis: through an ioredis Cluster client", () => {
  it("enqueues, receives and acks on queues spread over several nodes", { timeout: 30_000 }, async () => {
    const nodes = clusterNodes!.split(",").map((node) => {
      const [host, port] = node.split(":");
      return { host: host!, port: Number(port) };
    });
    const client = new Cluster(nodes);
    const backend = createRedisBackend({ client });
    try {
      const run = randomBytes(4).toString("hex");
      const queues = Array.from({ length: 12 }, (_, index) => `cluster-${run}-${index}`);
      // Twelve queues land on more than one of the three masters, so this covers cross-node batches.
      const owners = new Set(await Promise.all(queues.map((queue) => clusterSlotOwner(client, queueKeys("hopper", queue).ready))));
      expect(owners.size).toBeGreaterThan(1);

      const results = await backend.enqueue(
        queues.flatMap((queue) => [
          { id: `${queue}-a`, queue, body: "a", priority: 1 },
          { id: `${queue}-b`, queue, body: "b", dedupeKey: "same" },
          { id: `${queue}-c`, queue, body: "c", dedupeKey: "same" },
          { id: `${queue}-d`, queue, body: "d", orderingKey: "k", delayMs: 50 },
        ]),
      );
      expect(results.filter((result) => result.status === "duplicate").map((result) => result.id)).toEqual(queues.map((queue) => `${queue}-c`));
      expect(results.filter((result) => result.status === "enqueued")).toHaveLength(queues.length * 3);

      for (const queue of queues) {
        const received = [];
        while (received.length < 3) received.push(...(await backend.receive({ queue, maxMessages: 10, waitMs: 2000, leaseMs: 10_000 })));
        expect(received.map((message) => message.body)).toEqual(["a", "b", "d"]);
        expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 3 });
        await Promise.all(received.map((message) => message.ack()));
        expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
      }
    } finally {
      await backend.close();
      await client.quit();
    }
  });
});

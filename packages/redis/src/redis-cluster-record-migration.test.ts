import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Cluster } from "ioredis";
import { describe, expect, it } from "vitest";
import { recordKeys } from "./redis-keys.js";
import { createRedisRecordStore } from "./redis-record-store.js";
import { parseClusterNodes, SlotMigration } from "./test-redis-cluster.js";
import { redisClusterNodes } from "./test-redis-service.js";

const clusterNodes = redisClusterNodes();
const ttlMs = 600_000;

/**
 * On a Redis Cluster records are written by calls of their own (record keys lie
 * outside the queue's hash tag), one key each. While slots are being rebalanced
 * such a call meets MOVED (its client's map is behind) and then ASK (the slot is
 * half moved again), redirections ioredis follows only `maxRedirections` times;
 * here its budget is one, so every call meets the moves through the store
 * itself. Record writes must wait the move out and land like acks do, not fail:
 * a failed write leaves the record behind its job.
 */
describe.skipIf(!clusterNodes)("redis cluster: record writes while a record's slot moves twice", () => {
  it("insert, start, progress, settle, get and cancel land through MOVED then ASK", { timeout: 60_000 }, async () => {
    const nodes = parseClusterNodes(clusterNodes!);
    // No periodic refresh: the client learns of the first move only from the MOVED its calls meet.
    const client = new Cluster(nodes, { maxRedirections: 1, retryDelayOnTryAgain: 10, slotsRefreshInterval: 0 });
    const keyPrefix = `rec-move-${randomBytes(4).toString("hex")}`;
    const store = createRedisRecordStore({ client, keyPrefix });
    // One hash tag: every record below lives in the slot that moves.
    const tag = `{${randomBytes(4).toString("hex")}}`;
    const [moved, left, fresh, cancelled] = ["moved", "left", "fresh", "cancelled"].map((name) => `${tag}${name}`);
    const identity = (id: string) => ({ id, job: "Moving", queue: "moving", enqueuedAt: 1 });
    const key = (id: string) => `${recordKeys(keyPrefix).prefix}${id}`;
    let migration: SlotMigration | undefined;
    try {
      await store.insert([moved!, left!, cancelled!].map((id) => ({ ...identity(id), runAt: null, ttlMs })));
      await store.start({ ...identity(moved!), attempt: 1, startedAt: 2, ttlMs });

      // The slot moves to a second master, unknown to the client, then starts on to a third.
      await (await SlotMigration.begin(client, nodes, key(moved!))).finish();
      migration = await SlotMigration.begin(client, nodes, key(moved!));
      // `moved` is on the third master already, `left` still on the second, `fresh` on neither.
      await migration.move([key(moved!)]);
      const calls = Promise.allSettled([
        store.progress(moved!, "7"),
        store.settle({ ...identity(moved!), state: "succeeded", attempt: 1, result: '"done"', finishedAt: 3, ttlMs }),
        store.start({ ...identity(left!), attempt: 1, startedAt: 2, ttlMs }),
        store.insert([{ ...identity(fresh!), runAt: null, ttlMs }]),
        store.cancel(cancelled!, { now: 4, ttlMs }),
        store.get(moved!),
      ]);
      // Held half moved while the calls meet the redirections (a real rebalance holds longer); without retries they have failed by now.
      await sleep(500);
      await migration.finish();

      const outcomes = await calls;
      expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(6).fill("fulfilled"));
      expect(await store.get(moved!)).toMatchObject({ state: "succeeded", progress: "7", result: '"done"' });
      expect(await store.get(left!)).toMatchObject({ state: "running", attempt: 1 });
      expect(await store.get(fresh!)).toMatchObject({ state: "waiting" });
      expect(await store.get(cancelled!)).toMatchObject({ state: "cancelled" });
      // No state index on a Cluster (it would lie in another slot than the records: the settle and cancel above
      // would have failed CROSSSLOT): no list, so hopper.jobs.list refuses; remove still works, one key a call.
      expect(store.list).toBeUndefined();
      await store.remove!([cancelled!]);
      expect(await store.get(cancelled!)).toBeUndefined();
    } finally {
      await migration?.finish();
      await store.close();
      client.disconnect();
    }
  });
});

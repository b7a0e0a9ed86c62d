import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { runJobRecordsSuite, runRecordStoreSuite } from "@hopper/conformance";
import { RECORD_KEPT_UNTIL_LATER_WRITE_MS } from "@hopper/core";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { recordKeys } from "./redis-keys.js";
import { createRedisBackend } from "./redis-backend.js";
import { createRedisRecordStore } from "./redis-record-store.js";
import { redisUrl } from "./test-redis-service.js";

describe.skipIf(!redisUrl)("redis records", () => {
  // A prefix per file keeps runs apart on the shared test server.
  const keyPrefix = `test-${randomUUID().slice(0, 8)}`;
  runRecordStoreSuite({ name: "redis", createStore: async () => createRedisRecordStore({ url: redisUrl!, keyPrefix }) });
  // The backend's own store (Backend.recordStore), as createHopper({ url, records: {} }) uses it.
  runJobRecordsSuite({ name: "redis", connect: async () => ({ backend: createRedisBackend({ url: redisUrl!, keyPrefix }) }) });

  // A ttl of RECORD_KEPT_UNTIL_LATER_WRITE_MS (an unfinished record where messages stay until acked) costs no expiry command:
  // the record has none. A record that has one (finished, or unfinished on an SQS store) loses it on such a write.
  it("keeps a record written with the kept ttl without expiry, and gives back or takes away an expiry as the writes' ttls say", async () => {
    const prefix = `${keyPrefix}-expiry`;
    const store = createRedisRecordStore({ url: redisUrl!, keyPrefix: prefix });
    const client = new Redis(redisUrl!);
    try {
      const pttl = async (id: string) => client.pttl(`${recordKeys(prefix).prefix}${id}`);
      const kept = RECORD_KEPT_UNTIL_LATER_WRITE_MS;
      const job = { id: randomUUID(), job: "Expiry", queue: "expiry", enqueuedAt: 1 };
      await store.insert([{ ...job, runAt: null, ttlMs: kept }]);
      expect(await pttl(job.id)).toBe(-1);
      await store.start({ ...job, attempt: 1, startedAt: Date.now(), ttlMs: kept });
      expect(await pttl(job.id)).toBe(-1);
      await store.settle({ ...job, state: "retrying", attempt: 1, error: '{"name":"Error","message":"x"}', runAt: Date.now(), ttlMs: kept + 1000 });
      expect(await pttl(job.id)).toBe(-1);
      await store.settle({ ...job, state: "dead", attempt: 2, finishedAt: Date.now(), ttlMs: 60_000 });
      expect(await pttl(job.id)).toBeGreaterThan(50_000);
      // A dead letter retried: its record runs again, kept until a later write.
      await store.start({ ...job, attempt: 3, startedAt: Date.now(), ttlMs: kept });
      expect(await pttl(job.id)).toBe(-1);

      // An unfinished record with a ttl of its own (a store for SQS or Pub/Sub), then a kept write.
      const other = { ...job, id: randomUUID() };
      await store.insert([{ ...other, runAt: null, ttlMs: 60_000 }]);
      expect(await pttl(other.id)).toBeGreaterThan(50_000);
      await store.start({ ...other, attempt: 1, startedAt: Date.now(), ttlMs: 120_000 });
      expect(await pttl(other.id)).toBeGreaterThan(110_000);
      await store.settle({ ...other, state: "held:concurrency", attempt: 1, runAt: Date.now(), ttlMs: kept });
      expect(await pttl(other.id)).toBe(-1);
      await store.start({ ...other, attempt: 1, startedAt: Date.now(), ttlMs: kept });
      expect(await pttl(other.id)).toBe(-1);
      await store.settle({ ...other, state: "succeeded", attempt: 1, result: "1", finishedAt: Date.now(), ttlMs: 30_000 });
      expect(await pttl(other.id)).toBeGreaterThan(20_000);
      expect(await store.get(other.id)).toMatchObject({ state: "succeeded", result: "1", error: null, runAt: null });
    } finally {
      await store.close();
      client.disconnect();
    }
  });

  // Found by the Redis review of 2026-12-07 (a suspicion then): the trim bound was the writer's finished time less the
  // ttl, so a worker whose clock ran ahead trimmed other workers' records, still alive, out of the listing.
  it("trims no record still alive from a state's index when a writer's clock runs ahead of the server's", async () => {
    const prefix = `${keyPrefix}-ahead`;
    const store = createRedisRecordStore({ url: redisUrl!, keyPrefix: prefix });
    const client = new Redis(redisUrl!);
    try {
      const identity = () => ({ id: randomUUID(), job: "Ahead", queue: "ahead", enqueuedAt: 1 });
      for (let index = 0; index < 5; index += 1) await store.settle({ ...identity(), state: "succeeded", attempt: 1, finishedAt: Date.now(), ttlMs: 60_000 });
      // Ten minutes ahead, a minute's ttl: the others expire in a minute by the server's clock, not before.
      await store.settle({ ...identity(), state: "succeeded", attempt: 1, finishedAt: Date.now() + 600_000, ttlMs: 60_000 });
      expect(await client.zcard(recordKeys(prefix).index("succeeded"))).toBe(6);
      expect((await store.list!({ state: "succeeded", limit: 10 })).records).toHaveLength(6);
    } finally {
      await store.close();
      client.disconnect();
    }
  });

  // The index is a key of its own with no ttl: what keeps it from growing is each finished write trimming what expired.
  it("keeps a state's index to the records alive: a later write trims the ones that expired, and list drops the ones gone", async () => {
    const prefix = `${keyPrefix}-trim`;
    const store = createRedisRecordStore({ url: redisUrl!, keyPrefix: prefix });
    const client = new Redis(redisUrl!);
    try {
      const identity = () => ({ id: randomUUID(), job: "Trim", queue: "trim", enqueuedAt: 1 });
      // One finished time for the twenty: on a loaded machine their writes may span more than the ttl, and would trim each other.
      const finishedAt = Date.now();
      for (let index = 0; index < 20; index += 1) await store.settle({ ...identity(), state: "dead", attempt: 1, finishedAt, ttlMs: 200 });
      expect(await client.zcard(recordKeys(prefix).index("dead"))).toBe(20);
      await sleep(400);
      const kept = identity();
      await store.settle({ ...kept, state: "dead", attempt: 1, finishedAt: Date.now(), ttlMs: 200 });
      expect(await client.zrange(recordKeys(prefix).index("dead"), 0, -1)).toEqual([kept.id]);
      // A record gone before its time (removed, evicted) leaves the index on the next list that meets it.
      await client.del(`${recordKeys(prefix).prefix}${kept.id}`);
      expect(await store.list!({ state: "dead", limit: 10 })).toEqual({ records: [], next: null });
      expect(await client.zcard(recordKeys(prefix).index("dead"))).toBe(0);
    } finally {
      await store.close();
      client.disconnect();
    }
  });
});

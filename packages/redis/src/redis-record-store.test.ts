import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { runJobRecordsSuite, runRecordStoreSuite } from "@hopper/conformance";
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

  // The index is a key of its own with no ttl: what keeps it from growing is each finished write trimming what expired.
  it("keeps a state's index to the records alive: a later write trims the ones that expired, and list drops the ones gone", async () => {
    const prefix = `${keyPrefix}-trim`;
    const store = createRedisRecordStore({ url: redisUrl!, keyPrefix: prefix });
    const client = new Redis(redisUrl!);
    try {
      const identity = () => ({ id: randomUUID(), job: "Trim", queue: "trim", enqueuedAt: 1 });
      for (let index = 0; index < 20; index += 1) await store.settle({ ...identity(), state: "dead", attempt: 1, finishedAt: Date.now(), ttlMs: 200 });
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

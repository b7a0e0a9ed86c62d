import { randomUUID } from "node:crypto";
import { RECORD_KEPT_UNTIL_LATER_WRITE_MS } from "@hopper/core";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

/**
 * enqueue.lua asks whether a send's records exist in one EXISTS for all of them (records.lua,
 * record_all_absent), not one per record: a record that exists, or one created earlier in the same
 * send, must still be left as it is.
 */
describe.skipIf(!redisUrl)("redis records: an enqueue of many jobs leaves existing records alone", () => {
  it("creates each new record once and overwrites neither an older record nor one made earlier in the same send", { timeout: 30_000 }, async () => {
    const keyPrefix = `enqueue-existing-${randomUUID().slice(0, 8)}`;
    const queue = "existing";
    const backend = createRedisBackend({ url: redisUrl!, keyPrefix });
    const raw = new Redis(redisUrl!);
    const record = (id: string, job: string) => ({ id, job, queue, enqueuedAt: Date.now(), runAt: null, ttlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS });
    const message = (id: string, job: string) => ({ id, queue, body: JSON.stringify({ id, job }), record: record(id, job) as never });
    try {
      await backend.open();
      const [older, fresh, twice] = [randomUUID(), randomUUID(), randomUUID()];
      await raw.hset(`${keyPrefix}:record:${older}`, "j", "Older", "q", queue, "s", "succeeded", "a", "1");
      await backend.enqueue([message(fresh, "Fresh"), message(older, "Again"), message(twice, "First"), message(twice, "Second")]);
      expect(await raw.hgetall(`${keyPrefix}:record:${older}`)).toEqual({ j: "Older", q: queue, s: "succeeded", a: "1" });
      expect(await raw.hmget(`${keyPrefix}:record:${fresh}`, "j", "s", "a")).toEqual(["Fresh", "waiting", "0"]);
      const first = await raw.hgetall(`${keyPrefix}:record:${twice}`);
      expect(first).toMatchObject({ j: "First", s: "waiting" });
      // The record rides in the first message of its id, not in the second one's.
      expect(await raw.hget(first.m!, "body")).toBe(JSON.stringify({ id: twice, job: "First" }));
    } finally {
      await backend.close();
      raw.disconnect();
    }
  });
});

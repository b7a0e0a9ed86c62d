import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedisBackend, type MissingMessagesEvent } from "./index.js";
import { queueKeys } from "./redis-keys.js";
import { redisUrl } from "./test-redis-service.js";

describe.skipIf(!redisUrl)("redis: a handle whose message hash is missing", () => {
  it("is reported and parked in orphans, never dropped, and runs once its hash is back", { timeout: 30_000 }, async () => {
    const reports: MissingMessagesEvent[] = [];
    const backend = createRedisBackend({ url: redisUrl, onMissingMessages: (event) => reports.push(event) });
    const admin = new Redis(redisUrl!);
    const queue = `missing-${randomBytes(4).toString("hex")}`;
    const keys = queueKeys("hopper", queue);
    try {
      await backend.enqueue([
        { id: "gone", queue, body: "gone" },
        { id: "kept", queue, body: "kept" },
      ]);
      const [goneHandle] = await admin.zrange(keys.ready, 0, 0);
      const goneKey = `${keys.base}m:${goneHandle}`;
      // What an eviction (or a hash not yet moved by a slot migration) looks like to the script.
      const saved = await admin.hgetall(goneKey);
      await admin.del(goneKey);

      const received = await backend.receive({ queue, maxMessages: 10, waitMs: 1000, leaseMs: 30_000 });
      expect(received.map((message) => message.id)).toEqual(["kept"]);
      expect(reports).toEqual([{ queue, orphansKey: keys.orphans, handles: [goneHandle] }]);
      expect(await admin.zrange(keys.orphans, 0, -1)).toEqual([goneHandle]);

      // The hash comes back (the migration finished): a later receive delivers the job.
      await admin.hset(goneKey, saved);
      const later: string[] = [];
      const deadline = Date.now() + 10_000;
      while (later.length === 0 && Date.now() < deadline) later.push(...(await backend.receive({ queue, maxMessages: 10, waitMs: 500, leaseMs: 30_000 })).map((message) => message.id));
      expect(later).toEqual(["gone"]);
      expect(await admin.exists(keys.orphans)).toBe(0);
    } finally {
      await backend.close();
      admin.disconnect();
    }
  });
});

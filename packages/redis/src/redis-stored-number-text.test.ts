import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedisBackend } from "./index.js";
import { queueKeys } from "./redis-keys.js";
import { seededHandle, seedHandles } from "./test-redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

// The scripts hand redis.call numbers as text they format themselves (integer_text in common.lua). During a
// rolling deploy older scripts read what these write, so every stored number must read as Redis's own "%.17g"
// of it did: a plain integer, never "1.7e+12" or "1700000000000.0".
const integer = /^-?\d+$/;

describe.skipIf(!redisUrl)("redis: numbers the scripts store", () => {
  it("read as plain integers in message hashes and as the same scores", { timeout: 30_000 }, async () => {
    // Leases in the message, so the receive writes its count there (a compact lease keeps it in its member of `leased`).
    const backend = createRedisBackend({ url: redisUrl, compactLeases: false });
    const admin = new Redis(redisUrl!);
    const queue = `number-text-${randomBytes(4).toString("hex")}`;
    const keys = queueKeys("hopper", queue);
    const messageHash = async (id: string) => {
      for (const field of await admin.keys(`${keys.base}m:*`)) {
        const hash = await admin.hgetall(field);
        if (hash.id === id) return { handle: field.slice(`${keys.base}m:`.length), hash };
      }
      throw new Error(`no message hash for ${id}`);
    };
    try {
      await seedHandles(admin, keys.base);
      const before = Number((await admin.time())[0]) * 1000;
      await backend.enqueue([
        { id: "high", queue, body: "high", priority: 5 },
        { id: "low", queue, body: "low", priority: -3, delayMs: 60_000 },
        { id: "plain", queue, body: "plain" },
      ]);
      const high = await messageHash("high");
      const low = await messageHash("low");
      const plain = await messageHash("plain");
      expect([high.hash.pri, high.hash.n, low.hash.pri, low.hash.n, plain.hash.pri, plain.hash.n]).toEqual(["5", "0", "-3", "0", "0", "0"]);
      for (const { hash } of [high, low, plain]) expect(hash.at).toMatch(integer);
      expect(Number(low.hash.at) - Number(high.hash.at)).toBe(60_000);
      expect(Number(high.hash.at)).toBeGreaterThanOrEqual(before);
      expect(await admin.zscore(keys.ready, high.handle)).toBe("-5");
      expect(await admin.zscore(keys.delayed, low.handle)).toBe(low.hash.at);
      expect(await admin.zrange(keys.ready, 0, -1)).toEqual([high.handle, plain.handle]);

      const received = await backend.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 30_000 });
      expect(received.map((message) => message.id)).toEqual(["high", "plain"]);
      expect((await messageHash("high")).hash.n).toBe("1");
      const leaseScores = await Promise.all([high.handle, plain.handle].map((handle) => admin.zscore(keys.leased, handle)));
      for (const score of leaseScores) expect(score).toMatch(integer);
      expect(Number(leaseScores[0]) - Number(high.hash.at)).toBeGreaterThanOrEqual(30_000);
      expect(await admin.hget(keys.meta, "seq")).toBe(seededHandle(3));
    } finally {
      await backend.close();
      admin.disconnect();
    }
  });
});

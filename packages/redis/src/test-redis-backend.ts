// Test-only: a Redis backend on a key prefix of its own, beside a plain client to read what it wrote.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { createRedisBackend, type RedisBackend, type RedisBackendOptions } from "./redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

/** Runs `test` on an open backend of a fresh key prefix (named after `label`, with `options`) on the single-node server, then closes both. */
export async function withBackend(test: (backend: RedisBackend, raw: Redis, keyPrefix: string) => Promise<void>, label = "test", options: Omit<RedisBackendOptions, "url" | "keyPrefix"> = {}): Promise<void> {
  const keyPrefix = `${label}-${randomUUID().slice(0, 8)}`;
  const backend = createRedisBackend({ ...options, url: redisUrl!, keyPrefix });
  const raw = new Redis(redisUrl!);
  try {
    await backend.open();
    await test(backend, raw, keyPrefix);
  } finally {
    await backend.close();
    raw.disconnect();
  }
}

/**
 * A queue's handles follow its `meta.seq`, which never falls below the server's clock in µs (enqueue.lua). Seeded
 * above any clock, a fresh queue's handles are known in advance: the n-th message's is `seededHandle(n)`.
 */
export const seededHandleBase = 5_000_000_000_000_000;
export const seededHandle = (n: number): string => String(seededHandleBase + n);
export async function seedHandles(raw: Redis, base: string): Promise<void> {
  await raw.hset(`${base}meta`, "seq", String(seededHandleBase));
}

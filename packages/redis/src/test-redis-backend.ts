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

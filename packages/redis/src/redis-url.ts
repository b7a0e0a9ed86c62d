import type { Backend } from "@hopper/core/backend";
import { createRedisBackend } from "./redis-backend.js";

/**
 * `redis://host:6379/0` or `rediss://…`; `?keyPrefix=name` sets the key prefix.
 * The core loads this lazily for those schemes.
 */
export function createBackendFromUrl(url: URL): Backend {
  const connection = new URL(url.href);
  const keyPrefix = connection.searchParams.get("keyPrefix") ?? undefined;
  // ioredis reads query parameters as its own options; keep ours away from it.
  connection.searchParams.delete("keyPrefix");
  return createRedisBackend({ url: connection.href, ...(keyPrefix !== undefined && { keyPrefix }) });
}

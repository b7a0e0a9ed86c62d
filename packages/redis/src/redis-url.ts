import type { Backend } from "@hopper/core/backend";
import type { CoordinationStore } from "@hopper/core";
import { createRedisBackend } from "./redis-backend.js";
import { createRedisCoordinationStore } from "./redis-coordination-store.js";

/**
 * `redis://host:6379/0` or `rediss://…`; `?keyPrefix=name` sets the key prefix.
 * The core loads this lazily for those schemes.
 */
export function createBackendFromUrl(url: URL): Backend {
  return createRedisBackend(connectionOptions(url));
}

/** The default coordination store of a Hopper on this URL: the same Redis. */
export function createCoordinationStoreFromUrl(url: URL): CoordinationStore {
  return createRedisCoordinationStore(connectionOptions(url));
}

function connectionOptions(url: URL): { url: string; keyPrefix?: string } {
  const connection = new URL(url.href);
  const keyPrefix = connection.searchParams.get("keyPrefix") ?? undefined;
  // ioredis reads query parameters as its own options; keep ours away from it.
  connection.searchParams.delete("keyPrefix");
  return { url: connection.href, ...(keyPrefix !== undefined && { keyPrefix }) };
}

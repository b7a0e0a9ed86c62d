import type { Backend } from "@hopper/core/backend";
import { ConfigurationError, type CoordinationStore } from "@hopper/core";
import { createRedisBackend } from "./redis-backend.js";
import { createRedisCoordinationStore } from "./redis-coordination-store.js";

/**
 * `redis://host:6379/0` or `rediss://…`; `?keyPrefix=name` sets the key prefix,
 * `?allowEviction=true` skips the maxmemory-policy check (see RedisBackendOptions).
 * The core loads this lazily for those schemes.
 */
export async function createBackendFromUrl(url: URL): Promise<Backend> {
  const backend = createRedisBackend(connectionOptions(url));
  try {
    await backend.open();
  } catch (error) {
    await backend.close();
    throw error;
  }
  return backend;
}

/** The default coordination store of a Hopper on this URL: the same Redis. */
export function createCoordinationStoreFromUrl(url: URL): CoordinationStore {
  return createRedisCoordinationStore(connectionOptions(url));
}

function connectionOptions(url: URL): { url: string; keyPrefix?: string; allowEviction?: boolean } {
  const connection = new URL(url.href);
  const keyPrefix = connection.searchParams.get("keyPrefix") ?? undefined;
  const allowEviction = connection.searchParams.get("allowEviction");
  if (allowEviction !== null && allowEviction !== "true" && allowEviction !== "false") {
    throw new ConfigurationError({ field: "allowEviction", message: `URL parameter must be true or false, got ${JSON.stringify(allowEviction)}` });
  }
  // ioredis reads query parameters as its own options; keep ours away from it.
  connection.searchParams.delete("keyPrefix");
  connection.searchParams.delete("allowEviction");
  return { url: connection.href, ...(keyPrefix !== undefined && { keyPrefix }), ...(allowEviction === "true" && { allowEviction: true }) };
}

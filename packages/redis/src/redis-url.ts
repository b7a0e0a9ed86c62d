import { checkUrlParameters, type Backend } from "@hopper/core/backend";
import { ConfigurationError, type CoordinationStore } from "@hopper/core";
import { createRedisBackend } from "./redis-backend.js";
import { createRedisCoordinationStore } from "./redis-coordination-store.js";

/**
 * `redis://host:6379/0` or `rediss://…`; `?keyPrefix=name` sets the key prefix,
 * `?allowEviction=true` skips the maxmemory-policy check, `?compactLeases=false` leases by writing into the message
 * (see RedisBackendOptions; default true).
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
  // compactLeases is the backend's alone; allowEviction holds for the store too (its keys live on the same server).
  const { url: connection, keyPrefix, allowEviction } = connectionOptions(url);
  return createRedisCoordinationStore({ url: connection, ...(keyPrefix !== undefined && { keyPrefix }), ...(allowEviction === true && { allowEviction }) });
}

function connectionOptions(url: URL): { url: string; keyPrefix?: string; allowEviction?: boolean; compactLeases?: boolean } {
  // ioredis reads the others as its own options (`?family=6`); a near miss of ours would fall through to it, unread.
  checkUrlParameters(url, ["keyPrefix", "allowEviction", "compactLeases"], url.protocol, "ioredis");
  const connection = new URL(url.href);
  const keyPrefix = connection.searchParams.get("keyPrefix") ?? undefined;
  const allowEviction = booleanParameter(connection, "allowEviction");
  const compactLeases = connection.searchParams.has("compactLeases") ? booleanParameter(connection, "compactLeases") : undefined;
  // ioredis reads query parameters as its own options; keep ours away from it.
  connection.searchParams.delete("keyPrefix");
  return { url: connection.href, ...(keyPrefix !== undefined && { keyPrefix }), ...(allowEviction && { allowEviction }), ...(compactLeases !== undefined && { compactLeases }) };
}

/** A `true`/`false` query parameter (taken out of the URL); absent reads as false (callers that default otherwise check first). */
function booleanParameter(connection: URL, name: string): boolean {
  const values = connection.searchParams.getAll(name);
  if (values.length > 1) {
    throw new ConfigurationError({ field: name, message: `URL parameter given ${values.length} times (${values.map((each) => JSON.stringify(each)).join(", ")}); give it once` });
  }
  const value = values[0] ?? null;
  if (value !== null && value !== "true" && value !== "false") {
    throw new ConfigurationError({ field: name, message: `URL parameter must be true or false, got ${JSON.stringify(value)}` });
  }
  connection.searchParams.delete(name);
  return value === "true";
}

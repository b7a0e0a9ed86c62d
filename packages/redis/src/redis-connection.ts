import { ConfigurationError, redactUrl } from "@hopper/core";
import { isConnectionFailure } from "@hopper/core/backend";
import { Redis, type Cluster } from "ioredis";
import type { RedisBackendOptions } from "./redis-backend.js";

/** QUIT lets pending replies arrive; while the server is unreachable it would wait for a reconnect, so give up soon. */
export async function quitOrDisconnect(client: Redis | Cluster): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 2000);
  });
  await Promise.race([client.quit().catch(() => {}), gaveUp]);
  clearTimeout(timer);
  client.disconnect();
}

/**
 * `work`, or the client's first connection error if one comes while it is not ready: a server
 * that refuses the connection fails an open at once, rather than after ioredis's reconnects
 * (about ten seconds of them before a queued command gives up).
 */
export function failOnConnectionError<T>(client: Redis | Cluster, work: Promise<T>): Promise<T> {
  if (client.status === "ready") return work;
  return new Promise<T>((resolve, reject) => {
    const onError = (error: unknown) => {
      if (!isConnectionFailure(error)) return;
      client.off("error", onError);
      reject(error);
    };
    client.on("error", onError);
    work.then(
      (value) => {
        client.off("error", onError);
        resolve(value);
      },
      (error: unknown) => {
        client.off("error", onError);
        reject(error);
      },
    );
  });
}

/**
 * A new connection with the client's options, for a subscriber (a subscribed connection can run no other command).
 * ioredis 6 types `duplicate` generically on each class, so the union is narrowed first.
 */
export function duplicateClient(client: Redis | Cluster): Redis | Cluster {
  return client.isCluster ? (client as Cluster).duplicate() : (client as Redis).duplicate();
}

/**
 * The wait before a client the backend creates reconnects: 50 ms more each attempt, at most 2 s (ioredis 5's default).
 * ioredis 6's doubles up to 5 s (and jitters): with its 20 attempts per command (`maxRetriesPerRequest`), a command
 * waiting out an outage fails after ~75 s instead of ~10 s, and a close that waits on it (a worker's last acks) takes
 * as long, past a worker's shutdown timeout. `redisOptions.retryStrategy` replaces it.
 */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(attempt * 50, 2000);
}

/** The client to use, and whether the backend created it (and so closes it). */
export function connect(options: RedisBackendOptions): { client: Redis | Cluster; owned: boolean } {
  const { url, client, redisOptions } = options;
  if (client) {
    if (url !== undefined || redisOptions !== undefined) {
      throw new ConfigurationError({ field: "client", message: "give either an existing client or url/redisOptions to create one, not both" });
    }
    if (client.options.keyPrefix) {
      throw new ConfigurationError({ field: "client.options.keyPrefix", message: "ioredis key prefixes do not reach keys built inside Lua scripts: remove it and pass createRedisBackend({ keyPrefix }) instead" });
    }
    return { client, owned: false };
  }
  if (url === undefined && redisOptions === undefined) {
    throw new ConfigurationError({ field: "url", message: "give a url (redis://host:6379), an ioredis client, or redisOptions" });
  }
  if (redisOptions?.keyPrefix) {
    throw new ConfigurationError({ field: "redisOptions.keyPrefix", message: "ioredis key prefixes do not reach keys built inside Lua scripts: use createRedisBackend({ keyPrefix }) instead" });
  }
  if (url !== undefined && !/^rediss?:\/\//.test(url)) {
    throw new ConfigurationError({ field: "url", message: `expected a redis:// or rediss:// URL, got ${JSON.stringify(redactUrl(url))}` });
  }
  const own = { retryStrategy: reconnectDelayMs, ...redisOptions };
  const created = url === undefined ? new Redis(own) : new Redis(url, own);
  // Failures reach callers through the commands that fail; ioredis keeps reconnecting meanwhile.
  created.on("error", () => {});
  return { client: created, owned: true };
}

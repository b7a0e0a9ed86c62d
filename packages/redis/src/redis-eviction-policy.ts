import { ConfigurationError } from "@hopper/core";
import type { Cluster, Redis } from "ioredis";
import type { RedisClient } from "./redis-scripts.js";

/**
 * Only `noeviction` is safe. Every other policy deletes keys under memory
 * pressure: `allkeys-*` any job key; `volatile-*` keys with a ttl, which job
 * keys lack but the coordination store's keys (unique-job reservations,
 * concurrency slots, cron tick claims) have, so evicting them runs jobs twice.
 * Under `noeviction` a full server refuses writes, which enqueue reports.
 */
const safePolicy = "noeviction";

/**
 * Reads `maxmemory_policy` from `INFO memory` on every node (CONFIG GET is
 * disabled on ElastiCache and other managed services) and refuses a policy
 * that can evict, naming the opt-out.
 */
export async function checkEvictionPolicy(client: RedisClient): Promise<void> {
  let nodes: Redis[] = [client as Redis];
  if (client.isCluster) {
    // The node list fills once the client has fetched the slot map.
    await client.ping();
    nodes = (client as Cluster).nodes("all");
  }
  await Promise.all(
    nodes.map(async (node) => {
      const info = await node.info("memory");
      const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
      if (policy === safePolicy) return;
      const where = `${node.options.host ?? "redis"}:${node.options.port ?? 6379}`;
      throw new ConfigurationError({
        field: "allowEviction",
        message:
          policy === undefined
            ? `could not read maxmemory_policy from INFO memory on ${where}; Hopper needs maxmemory-policy ${safePolicy} so queued jobs are never evicted. If you know the server never evicts, pass allowEviction: true (or ?allowEviction=true in the URL)`
            : `Redis ${where} has maxmemory-policy ${policy}, which deletes keys under memory pressure: queued jobs would vanish and unique or cron keys could run jobs twice. Set maxmemory-policy ${safePolicy} (on ElastiCache, in the parameter group), or accept the risk with allowEviction: true (or ?allowEviction=true in the URL)`,
      });
    }),
  );
}

/**
 * The check as a guard, run before the first call of the backend or of a store (and again after one that could not
 * reach the server). A coordination or record store given on its own (for SQS, Pub/Sub or PostgreSQL, or on a
 * second server) needs it too: a `volatile-*` policy evicts exactly its keys (unique reservations, slots, tick claims).
 */
export function evictionGuard(client: RedisClient, allowEviction: boolean | undefined): () => Promise<void> {
  if (allowEviction !== undefined && typeof allowEviction !== "boolean") throw new ConfigurationError({ field: "allowEviction", message: `must be true or false, got ${JSON.stringify(allowEviction)}` });
  let checked: Promise<void> | undefined;
  return () => {
    if (allowEviction === true) return Promise.resolve();
    checked ??= checkEvictionPolicy(client).catch((error: unknown) => {
      if (!ConfigurationError.isInstance(error)) checked = undefined;
      throw error;
    });
    return checked;
  };
}

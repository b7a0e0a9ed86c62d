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

/** What `checkServer` asks of every node: the eviction policy unless allowed, Redis 6.2+ for compact leases (ZMSCORE). */
export interface ServerChecks {
  readonly eviction: boolean;
  readonly compactLeases: boolean;
}

/** Every node of the client (a Cluster's once its slot map is fetched). */
async function nodesOf(client: RedisClient): Promise<Redis[]> {
  if (!client.isCluster) return [client as Redis];
  await client.ping();
  return (client as Cluster).nodes("all");
}

/** The eviction policy on every node (`checkNodeEvictionPolicy`) and, for compact leases, Redis 6.2 or newer. */
export async function checkServer(client: RedisClient, checks: ServerChecks): Promise<void> {
  const nodes = await nodesOf(client);
  await Promise.all(
    nodes.map(async (node) => {
      if (checks.eviction) await checkNodeEvictionPolicy(node);
      if (checks.compactLeases) await checkNodeVersion(node);
    }),
  );
}

function nodeName(node: Redis): string {
  return `${node.options.host ?? "redis"}:${node.options.port ?? 6379}`;
}

/**
 * Reads `maxmemory_policy` from `INFO memory` (CONFIG GET is disabled on
 * ElastiCache and other managed services) and refuses a policy that can
 * evict, naming the opt-out.
 */
async function checkNodeEvictionPolicy(node: Redis): Promise<void> {
  const info = await node.info("memory");
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy === safePolicy) return;
  const where = nodeName(node);
  throw new ConfigurationError({
    field: "allowEviction",
    message:
      policy === undefined
        ? `could not read maxmemory_policy from INFO memory on ${where}; Hopper needs maxmemory-policy ${safePolicy} so queued jobs are never evicted. If you know the server never evicts, pass allowEviction: true (or ?allowEviction=true in the URL)`
        : `Redis ${where} has maxmemory-policy ${policy}, which deletes keys under memory pressure: queued jobs would vanish and unique or cron keys could run jobs twice. Set maxmemory-policy ${safePolicy} (on ElastiCache, in the parameter group), or accept the risk with allowEviction: true (or ?allowEviction=true in the URL)`,
  });
}

/** Compact leases' acks use ZMSCORE (Redis 6.2). A server that does not say its version is taken at its word. */
async function checkNodeVersion(node: Redis): Promise<void> {
  const version = /^redis_version:(\d+)\.(\d+)/m.exec(await node.info("server"));
  if (!version || Number(version[1]) > 6 || (Number(version[1]) === 6 && Number(version[2]) >= 2)) return;
  throw new ConfigurationError({
    field: "compactLeases",
    message: `Redis ${nodeName(node)} is ${version[1]}.${version[2]}; compact leases need Redis 6.2 or newer (ZMSCORE). Upgrade the server or leave compactLeases off`,
  });
}

import { ConfigurationError } from "@hopper/core";
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { createBackendFromUrl } from "./redis-url.js";
import { createRedisCoordinationStore } from "./redis-coordination-store.js";
import { createRedisRecordStore } from "./redis-record-store.js";
import { DisposableRedisServer } from "./test-redis-server.js";
import { redisClusterNodes, redisUrl } from "./test-redis-service.js";

describe("redis: refuses a server that may evict job keys", () => {
  let server: DisposableRedisServer;
  beforeAll(async () => {
    server = await DisposableRedisServer.start(["--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru"]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("opening by URL fails with a ConfigurationError naming the policy and the opt-out", async () => {
    const opening = Promise.resolve(createBackendFromUrl(new URL(server.url)));
    const error = await opening.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect(String(error)).toMatch(/allkeys-lru/);
    expect(String(error)).toMatch(/noeviction/);
    expect(String(error)).toMatch(/allowEviction/);
  });

  it("a backend on a given client refuses its first operation the same way", async () => {
    const client = new Redis(server.url);
    const backend = createRedisBackend({ client });
    try {
      await expect(backend.enqueue([{ id: "a", queue: "evicting", body: "{}" }])).rejects.toThrow(/allkeys-lru.*allowEviction|allowEviction.*allkeys-lru/s);
      await expect(backend.receive({ queue: "evicting", maxMessages: 1, waitMs: 0, leaseMs: 1000 })).rejects.toThrow(/allkeys-lru/);
      expect(await client.exists("{hopper:evicting}:ready", "{hopper:evicting}:meta")).toBe(0);
    } finally {
      await backend.close();
      client.disconnect();
    }
  });

  // Found by the Redis review of 2026-12-07 (the next stop): only the backend checked; a store given on its own (for
  // SQS, Pub/Sub or PostgreSQL, or on a second server) reserved unique keys that volatile-* eviction then dropped.
  it("a coordination or record store given on its own refuses its first call the same way, unless opted out", async () => {
    const coordination = createRedisCoordinationStore({ url: server.url });
    const records = createRedisRecordStore({ url: server.url });
    try {
      await expect(coordination.acquire("unique:Job:1", "job-1", { limit: 1, ttlMs: 60_000 })).rejects.toThrow(/allkeys-lru.*allowEviction/s);
      await expect(records.get("job-1")).rejects.toThrow(/allkeys-lru.*allowEviction/s);
    } finally {
      await Promise.all([coordination.close(), records.close()]);
    }
    const optedOut = createRedisCoordinationStore({ url: server.url, allowEviction: true });
    try {
      expect(await optedOut.acquire("unique:Job:1", "job-1", { limit: 1, ttlMs: 60_000 })).toMatchObject({ acquired: true });
    } finally {
      await optedOut.close();
    }
  });

  it("opens when the operator opts out by name (option or URL parameter)", async () => {
    const backend = await createBackendFromUrl(new URL(`${server.url}?allowEviction=true`));
    try {
      expect(await backend.enqueue([{ id: "a", queue: "allowed", body: "{}" }])).toEqual([{ status: "enqueued", id: "a" }]);
    } finally {
      await backend.close();
    }
    const optedOut = createRedisBackend({ url: server.url, allowEviction: true });
    try {
      expect(await optedOut.stats!("allowed")).toEqual({ ready: 1, delayed: 0, inFlight: 0 });
    } finally {
      await optedOut.close();
    }
  });
});

describe.skipIf(!redisUrl)("redis: accepts noeviction", () => {
  it("opens on the test server (maxmemory-policy noeviction)", async () => {
    const backend = await createBackendFromUrl(new URL(redisUrl!));
    try {
      expect(await backend.stats!("noeviction-check")).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    } finally {
      await backend.close();
    }
  });
});

const clusterNodes = redisClusterNodes();

describe.skipIf(!clusterNodes)("redis cluster: every node's policy is checked", () => {
  it("refuses when one master of three may evict", { timeout: 30_000 }, async () => {
    const nodes = clusterNodes!.split(",").map((node) => ({ host: node.split(":")[0]!, port: Number(node.split(":")[1]) }));
    const last = new Redis(nodes[2]!.port, nodes[2]!.host);
    await last.config("SET", "maxmemory-policy", "volatile-lru");
    const client = new Cluster(nodes);
    const backend = createRedisBackend({ client });
    try {
      await expect(backend.stats!("cluster-evicting")).rejects.toThrow(/volatile-lru/);
    } finally {
      await last.config("SET", "maxmemory-policy", "noeviction");
      last.disconnect();
      await backend.close();
      client.disconnect();
    }
  });
});

import { randomBytes } from "node:crypto";
import { ConfigurationError } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { createBackendFromUrl } from "./redis-url.js";
import { redisUrl } from "./test-redis-service.js";

const uniqueQueue = (label: string) => `${label}-${randomBytes(4).toString("hex")}`;

describe.skipIf(!redisUrl)("redis backend", () => {
  const opened: Backend[] = [];
  const open = (backend: Backend) => (opened.push(backend), backend);
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()));
  });

  it("ignores an ack from a holder whose lease ran out and was taken again", async () => {
    const backend = open(createRedisBackend({ url: redisUrl }));
    const queue = uniqueQueue("stale");
    await backend.enqueue([{ id: "job-1", queue, body: "x" }]);
    const [first] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [second] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000 });
    expect([first?.deliveryAttempt, second?.deliveryAttempt]).toEqual([1, 2]);
    await first!.ack();
    await first!.nack();
    expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 1 });
    await second!.ack();
    expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
  });

  it("keeps a copy enqueued under the same job id apart from the leased original", async () => {
    const backend = open(createRedisBackend({ url: redisUrl }));
    const queue = uniqueQueue("copy");
    await backend.enqueue([{ id: "job-1", queue, body: "original" }]);
    const [original] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000 });
    // What the core's republish does: send the copy, then ack the original.
    await backend.enqueue([{ id: "job-1", queue, body: "copy" }]);
    await original!.ack();
    const [copy] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000 });
    expect([copy?.id, copy?.body, copy?.deliveryAttempt]).toEqual(["job-1", "copy", 1]);
  });

  it("counts messages behind an ordering key as ready and due ones apart from delayed", async () => {
    const backend = open(createRedisBackend({ url: redisUrl }));
    const queue = uniqueQueue("stats");
    await backend.enqueue([
      { id: "a", queue, body: "a", orderingKey: "k" },
      { id: "b", queue, body: "b", orderingKey: "k" },
      { id: "c", queue, body: "c", delayMs: 60_000 },
    ]);
    expect(await backend.stats!(queue)).toEqual({ ready: 2, delayed: 1, inFlight: 0 });
    const received = await backend.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 30_000 });
    expect(received.map((message) => message.id)).toEqual(["a"]);
    expect(await backend.stats!(queue)).toEqual({ ready: 1, delayed: 1, inFlight: 1 });
  });

  it("acks a message once when one batch acks it twice, releasing its ordering key once", async () => {
    const backend = open(createRedisBackend({ url: redisUrl }));
    const queue = uniqueQueue("twice");
    await backend.enqueue(["a", "b", "c"].map((id) => ({ id, queue, body: id, orderingKey: "k" })));
    const [first] = await backend.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 30_000 });
    await Promise.all([first!.ack(), first!.ack()]);
    const next = await backend.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 30_000 });
    expect(next.map((message) => message.id)).toEqual(["b"]);
    expect(await backend.stats!(queue)).toEqual({ ready: 1, delayed: 0, inFlight: 1 });
  });

  it("wakes a waiting receive when a message arrives", async () => {
    const backend = open(createRedisBackend({ url: redisUrl }));
    const sender = open(createRedisBackend({ url: redisUrl }));
    const queue = uniqueQueue("wake");
    const receiving = backend.receive({ queue, maxMessages: 5, waitMs: 10_000, leaseMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sender.enqueue([{ id: "late", queue, body: "late" }]);
    expect((await receiving).map((message) => message.id)).toEqual(["late"]);
  });

  it("keeps queues of different key prefixes apart; a URL sets the prefix", async () => {
    const queue = uniqueQueue("prefix");
    const prefix = `p${randomBytes(3).toString("hex")}`;
    // A near miss would reach ioredis, which ignores it, and the jobs would go under the default prefix.
    await expect(createBackendFromUrl(new URL(`${redisUrl}?keyprefix=${prefix}`))).rejects.toThrow(/^url\.keyprefix: .*did you mean keyPrefix\?/);
    const prefixed = open(await createBackendFromUrl(new URL(`${redisUrl}?keyPrefix=${prefix}`)));
    const plain = open(createRedisBackend({ url: redisUrl }));
    await prefixed.enqueue([{ id: "x", queue, body: "x" }]);
    expect(await plain.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 1000 })).toEqual([]);
    const inspector = new Redis(redisUrl!);
    try {
      expect(await inspector.zcard(`{${prefix}:${queue}}:ready`)).toBe(1);
    } finally {
      inspector.disconnect();
    }
  });
});

describe("redis backend configuration", () => {
  const fieldOf = (create: () => unknown) => {
    try {
      create();
    } catch (error) {
      return ConfigurationError.isInstance(error) ? error.field : `not a ConfigurationError: ${String(error)}`;
    }
    return "no error";
  };

  it("names the field and the fix for bad options", () => {
    expect(fieldOf(() => createRedisBackend({}))).toBe("url");
    expect(fieldOf(() => createRedisBackend({ url: "http://localhost" }))).toBe("url");
    expect(fieldOf(() => createRedisBackend({ redisOptions: { keyPrefix: "app:", lazyConnect: true } }))).toBe("redisOptions.keyPrefix");
    expect(fieldOf(() => createRedisBackend({ redisOptions: { lazyConnect: true }, keyPrefix: "{bad}" }))).toBe("keyPrefix");
  });
});

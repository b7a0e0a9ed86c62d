// An ordering line's head is scheduled by its own ZADD, outside the send's batched ZADDs (enqueue.lua): it must
// still publish the queue's wake-up, or a waiting receive sees the job only at its next poll (review of redisenq1).
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createRedisBackend, type RedisBackend } from "./redis-backend.js";
import { commandCalls, DisposableRedisServer } from "./test-redis-server.js";

let server: DisposableRedisServer;
let admin: Redis;
let backend: RedisBackend;
beforeAll(async () => {
  server = await DisposableRedisServer.start(["--appendfsync", "no"]);
  admin = new Redis(server.url);
  backend = createRedisBackend({ url: server.url, pollIntervalMs: 5000 });
});
afterAll(async () => {
  await backend?.close();
  admin?.disconnect();
  await server?.stop();
});

const publishCalls = async () => (await commandCalls(admin)).get("publish") ?? 0;

it("an enqueue of an ordering line's head publishes the queue's wake-up", async () => {
  const queue = "ordered-wake";
  await backend.enqueue([{ id: "warm", queue, body: "{}" }]);
  const before = await publishCalls();
  await backend.enqueue([{ id: "head", queue, body: "{}", orderingKey: "line-a" }]);
  expect((await publishCalls()) - before).toBe(1);
});

it("a receive waiting on an empty queue gets an ordered job at once, not at its next poll", async () => {
  const queue = "ordered-wake-2";
  const waiting = backend.receive({ queue, maxMessages: 1, waitMs: 4000, leaseMs: 30_000 });
  await new Promise((resolve) => setTimeout(resolve, 300)); // the receive is parked on its wake-up
  const sentAt = Date.now();
  await backend.enqueue([{ id: "ordered", queue, body: "{}", orderingKey: "line-b" }]);
  const messages = await waiting;
  const tookMs = Date.now() - sentAt;
  expect(messages.map((message) => message.id)).toEqual(["ordered"]);
  expect(tookMs).toBeLessThan(1000);
});

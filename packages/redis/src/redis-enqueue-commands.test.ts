import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createRedisBackend, type RedisBackend } from "./redis-backend.js";
import { queueKeys } from "./redis-keys.js";
import { commandCalls, DisposableRedisServer } from "./test-redis-server.js";

// A server of this file's own, so the command counts are this file's alone.
let server: DisposableRedisServer;
let admin: Redis;
let backend: RedisBackend;
beforeAll(async () => {
  server = await DisposableRedisServer.start(["--appendfsync", "no"]);
  admin = new Redis(server.url);
  backend = createRedisBackend({ url: server.url });
});
afterAll(async () => {
  await backend?.close();
  admin?.disconnect();
  await server?.stop();
});

const zaddCalls = async () => (await commandCalls(admin)).get("zadd") ?? 0;

it("one send puts its ready and its delayed messages in their sets with one ZADD each, scored as one per message would", async () => {
  const queue = "commands-batch";
  const keys = queueKeys("hopper", queue);
  await backend.enqueue([{ id: "warm", queue, body: "{}" }]); // loads the script
  const ready = Array.from({ length: 30 }, (_, n) => ({ id: `ready-${n}`, queue, body: "{}", priority: n % 3 }));
  const delayed = Array.from({ length: 10 }, (_, n) => ({ id: `delayed-${n}`, queue, body: "{}", delayMs: 60_000 + n }));
  // Behind the head of their ordering line: neither ready nor delayed until the head is done.
  const ordered = Array.from({ length: 3 }, (_, n) => ({ id: `ordered-${n}`, queue, body: "{}", orderingKey: "line" }));
  const before = await zaddCalls();
  const startedAt = Date.now();
  const results = await backend.enqueue([...ready, ...delayed, ...ordered]);
  expect(results.every((result) => result.status === "enqueued")).toBe(true);
  // The ready set, the delayed set, and the ordering line's head (indexed as it heads the line).
  expect((await zaddCalls()) - before).toBe(3);

  const idOf = async (handle: string) => admin.hget(`${keys.base}m:${handle}`, "id");
  const readyEntries = await admin.zrange(keys.ready, 0, -1, "WITHSCORES");
  const readyScores = new Map<string, number>();
  for (let index = 0; index < readyEntries.length; index += 2) readyScores.set((await idOf(readyEntries[index]!))!, Number(readyEntries[index + 1]));
  expect(readyScores.size).toBe(1 + 30 + 1); // the warm-up, the 30 ready ones, the ordering line's head
  for (const message of ready) expect(readyScores.get(message.id)).toBe(0 - message.priority || 0);
  expect(readyScores.get("ordered-0")).toBe(0);
  // Highest priority first, then in enqueue order.
  const byPriority = [...ready].sort((a, b) => b.priority - a.priority || Number(a.id.slice(6)) - Number(b.id.slice(6))).map((message) => message.id);
  const readyOrder = (await Promise.all(readyEntries.filter((_, index) => index % 2 === 0).map(idOf))).filter((id) => id!.startsWith("ready-"));
  expect(readyOrder).toEqual(byPriority);

  const delayedEntries = await admin.zrange(keys.delayed, 0, -1, "WITHSCORES");
  expect(delayedEntries).toHaveLength(20);
  for (let index = 0; index < delayedEntries.length; index += 2) {
    const id = (await idOf(delayedEntries[index]!))!;
    const delayMs = 60_000 + Number(id.slice("delayed-".length));
    expect(Number(delayedEntries[index + 1])).toBeGreaterThanOrEqual(startedAt + delayMs - 5);
    expect(Number(delayedEntries[index + 1])).toBeLessThanOrEqual(Date.now() + delayMs + 5);
  }
  expect(await admin.hget(keys.meta, "waiting")).toBe("2");
});

it("a send of messages that are all behind their ordering line's head adds nothing to either set", async () => {
  const queue = "commands-waiting";
  const keys = queueKeys("hopper", queue);
  await backend.enqueue([{ id: "head", queue, body: "{}", orderingKey: "line" }]);
  const before = await zaddCalls();
  await backend.enqueue([1, 2].map((n) => ({ id: `behind-${n}`, queue, body: "{}", orderingKey: "line" })));
  expect((await zaddCalls()) - before).toBe(0);
  expect(await admin.zcard(keys.ready)).toBe(1);
  expect(await admin.exists(keys.delayed)).toBe(0);
});

it("a send of one message costs the server 8 commands in its script, and leaves its token for a minute", async () => {
  const queue = "commands-single";
  const keys = queueKeys("hopper", queue);
  await backend.enqueue([{ id: "warm", queue, body: "{}" }]); // loads the script
  // A later millisecond than the warm send's: within the same one its counter would still be ahead of the clock, and
  // this send would not move it up (one HSET fewer: the flake of a CI run of 2026-12-08).
  await new Promise((resolve) => setTimeout(resolve, 5));
  const before = await commandCalls(admin);
  await backend.enqueue([{ id: "one", queue, body: "{}" }]);
  const after = await commandCalls(admin);
  const asked = [...after].flatMap(([name, calls]) => (calls > (before.get(name) ?? 0) && name !== "evalsha" ? [`${name} ${calls - (before.get(name) ?? 0)}`] : [])).sort();
  // TIME, the token key (the probe and the resend check at once), seq and its move up to the clock (one send per
  // moment: the counter is behind it), the message, its place in ready, the token, the wake-up.
  expect(asked).toEqual(["exists 1", "hincrby 1", "hset 2", "publish 1", "set 1", "time 1", "zadd 1"]);
  const tokens = await admin.keys(`${keys.base}sent:*`);
  expect(tokens).toHaveLength(2);
  for (const token of tokens) {
    const ttl = await admin.pttl(token);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  }
});

/**
 * A receive answers two values a message (receive.lua, Returns): "<handle> <token> <attempt> <record> <id>" and the
 * body. The id comes last, as it may hold the separator; these read back every part, for both lease forms, through
 * redeliveries counted and not, and an ack that lands only with the token read right.
 */
import { ConfigurationError } from "@hopper/core";
import { describe, expect, it } from "vitest";
import type { RedisBackend } from "./redis-backend.js";
import { seededHandle, seedHandles, withBackend } from "./test-redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

const lease = { maxMessages: 10, waitMs: 1000, leaseMs: 30_000 };

async function receiveOne(backend: RedisBackend, queue: string) {
  const messages = await backend.receive({ queue, ...lease });
  expect(messages).toHaveLength(1);
  return messages[0]!;
}

describe.skipIf(!redisUrl)("redis receive reply", () => {
  for (const form of [
    { name: "compact lease", ordering: {} },
    // A message with an ordering key is leased in its hash: the token is the plain count.
    { name: "lease in the message", ordering: { orderingKey: "key with spaces" } },
  ]) {
    it(`${form.name}: an id with spaces, the body, the attempt and the token come back as sent`, async () => {
      await withBackend(async (backend) => {
        const queue = "reply";
        const id = "job id with spaces: and a colon";
        const body = '{"args":["a b c"," "]}';
        await backend.enqueue([{ id, queue, body, ...form.ordering }]);

        const first = await receiveOne(backend, queue);
        expect([first.id, first.body, first.deliveryAttempt]).toEqual([id, body, 1]);
        await first.nack();

        const second = await receiveOne(backend, queue);
        expect([second.id, second.body, second.deliveryAttempt]).toEqual([id, body, 2]);
        await second.nack({ countAttempt: false });

        // Handed back uncounted: the same attempt, under a new token that the ack must name right to land.
        const third = await receiveOne(backend, queue);
        expect([third.id, third.body, third.deliveryAttempt]).toEqual([id, body, 2]);
        await third.ack();
        expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
      }, "reply");
    });
  }

  it("a message hash without its id (written by hand) goes out with an empty id, and the queue goes on", async () => {
    await withBackend(async (backend, raw, keyPrefix) => {
      const queue = "reply";
      await seedHandles(raw, `{${keyPrefix}:${queue}}:`);
      await backend.enqueue([
        { id: "first", queue, body: '{"n":1}' },
        { id: "second", queue, body: '{"n":2}' },
      ]);
      await raw.hdel(`{${keyPrefix}:${queue}}:m:${seededHandle(1)}`, "id");
      const messages = await backend.receive({ queue, ...lease });
      expect(messages.map((message) => [message.id, message.body])).toEqual([
        ["", '{"n":1}'],
        ["second", '{"n":2}'],
      ]);
      for (const message of messages) await message.ack();
      expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    }, "reply");
  });

  // Found by the Redis review of 2026-12-07 (the next stop): an infinite lease was stored as an `inf` deadline, never
  // reclaimed. Receive refused it; an extension did not.
  it("refuses an extension to an infinite or non-positive lease, and the lease stands", async () => {
    await withBackend(async (backend) => {
      const queue = "reply";
      await backend.enqueue([{ id: "held", queue, body: "{}" }]);
      const [message] = await backend.receive({ queue, ...lease });
      for (const leaseMs of [Infinity, Number.NaN, 0, -5]) {
        await expect(message!.extendLease(leaseMs)).rejects.toSatisfy((error: unknown) => ConfigurationError.isInstance(error) && error.field === "leaseMs");
      }
      expect(await message!.extendLease(30_000)).toBe(true);
      await message!.ack();
    }, "reply");
  });
});

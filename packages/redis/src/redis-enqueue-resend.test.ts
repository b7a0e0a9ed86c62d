import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { enqueueMessages } from "./redis-enqueue.js";
import { queueKeys, recordKeys } from "./redis-keys.js";
import { defineScripts } from "./redis-scripts.js";
import { seededHandle, seedHandles } from "./test-redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

/**
 * ioredis sends a command again when its connection dropped before the answer came (autoResendUnfulfilledCommands),
 * though the server may have run it: a crash after an fsynced write. The reliability suite's crash run showed it as
 * a mid-batch enqueue whose ~300 jobs each ran twice, some at once. Here the resend is made by hand: the same
 * script call, arguments and all, sent twice.
 */
describe.skipIf(!redisUrl)("redis: an enqueue script sent again after a dropped connection", () => {
  const client = new Redis(redisUrl!);
  afterAll(() => client.quit());

  it("stores its messages once and answers what the first run stored", async () => {
    const prefix = `resend-${randomUUID().slice(0, 8)}`;
    const keys = queueKeys(prefix, "mail");
    await seedHandles(client, keys.base);
    const scripts = defineScripts(client);
    // Sends without records go to the script loaded without records.lua.
    const { resending, replies } = resendingEachCall(scripts, "hopperEnqueueNoRecords");
    const held = { id: "held", queue: "mail", body: "{}", dedupeKey: "welcome:1" };
    await enqueueMessages(scripts, () => keys, [held], undefined);
    const results = await enqueueMessages(resending, () => keys, [
      { id: "a", queue: "mail", body: "{}" },
      { id: "b", queue: "mail", body: "{}", dedupeKey: "welcome:1" },
      { id: "c", queue: "mail", body: "{}", dedupeKey: "welcome:2" },
      { id: "d", queue: "mail", body: "{}", dedupeKey: "welcome:2" },
    ], undefined);
    expect(results.map((result) => result.status)).toEqual(["enqueued", "duplicate", "enqueued", "duplicate"]);
    expect(results.map((result) => ("existingId" in result ? result.existingId : undefined))).toEqual([undefined, "held", undefined, "c"]);
    expect(replies[1]).toEqual(replies[0]);
    // held, a and c: one message each, not two.
    expect(await client.zcard(keys.ready)).toBe(3);
    expect(await client.hget(keys.meta, "seq")).toBe(seededHandle(5));
  });

  it("stores a plain send whose messages were all enqueued once: the first run answers their number, the resend a list saying the same", async () => {
    const prefix = `resend-${randomUUID().slice(0, 8)}`;
    const keys = queueKeys(prefix, "mail");
    await seedHandles(client, keys.base);
    const { resending, replies } = resendingEachCall(defineScripts(client), "hopperEnqueueNoRecords");
    const results = await enqueueMessages(resending, () => keys, ["a", "b", "c"].map((id) => ({ id, queue: "mail", body: "{}" })), undefined);
    expect(replies).toEqual([3, [1, 1, 1]]);
    expect(results.map((result) => result.status)).toEqual(["enqueued", "enqueued", "enqueued"]);
    expect(await client.zcard(keys.ready)).toBe(3);
    expect(await client.hget(keys.meta, "seq")).toBe(seededHandle(3));
  });

  it("with records, stores its messages and their records once and answers what the first run stored", async () => {
    const prefix = `resend-${randomUUID().slice(0, 8)}`;
    const keys = queueKeys(prefix, "mail");
    await seedHandles(client, keys.base);
    const records = recordKeys(prefix);
    const scripts = defineScripts(client);
    // Sends whose messages carry records go to the script loaded with records.lua.
    const { resending, replies } = resendingEachCall(scripts, "hopperEnqueue");
    const record = (id: string) => ({ id, job: "Mail", queue: "mail", enqueuedAt: 1_000, runAt: null, ttlMs: 86_400_000, args: `{"args":["${id}"]}` });
    const results = await enqueueMessages(resending, () => keys, [
      { id: "a", queue: "mail", body: "{}", record: record("a") },
      { id: "b", queue: "mail", body: "{}", dedupeKey: "welcome:1", record: record("b") },
      { id: "c", queue: "mail", body: "{}", dedupeKey: "welcome:1", record: record("c") },
    ], records);
    expect(replies).toHaveLength(2);
    expect(replies[1]).toEqual(replies[0]);
    expect(results.map((result) => result.status)).toEqual(["enqueued", "enqueued", "duplicate"]);
    expect(await client.zcard(keys.ready)).toBe(2);
    // Every message of a send takes a handle, a duplicate too: three, not six.
    expect(await client.hget(keys.meta, "seq")).toBe(seededHandle(3));
    for (const id of ["a", "b"]) expect(await client.exists(`${records.prefix}${id}`)).toBe(1);
    // The duplicate's record was never written, by either run.
    expect(await client.exists(`${records.prefix}c`)).toBe(0);
  });
});

/** `scripts` whose `name` script is sent twice per call, as ioredis resends it; `replies` holds both answers of each call. */
function resendingEachCall(scripts: ReturnType<typeof defineScripts>, name: "hopperEnqueue" | "hopperEnqueueNoRecords") {
  const resending = Object.create(scripts) as typeof scripts;
  const replies: unknown[] = [];
  const script = (scripts[name] as (...args: unknown[]) => Promise<unknown>).bind(scripts);
  (resending as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
    replies.push(await script(...args));
    const again = await script(...args);
    replies.push(again);
    return again;
  };
  return { resending, replies };
}

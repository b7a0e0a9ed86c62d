import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { enqueueMessages } from "./redis-enqueue.js";
import { queueKeys } from "./redis-keys.js";
import { defineScripts } from "./redis-scripts.js";
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

  it("stores its messages once and answers as the first run did", async () => {
    const prefix = `resend-${randomUUID().slice(0, 8)}`;
    const keys = queueKeys(prefix, "mail");
    const scripts = defineScripts(client);
    const resending = Object.create(scripts) as typeof scripts;
    const replies: unknown[] = [];
    // Sends without records go to the script loaded without records.lua.
    resending.hopperEnqueueNoRecords = async (...args: Parameters<typeof scripts.hopperEnqueueNoRecords>) => {
      replies.push(await scripts.hopperEnqueueNoRecords(...args));
      const again = await scripts.hopperEnqueueNoRecords(...args);
      replies.push(again);
      return again;
    };
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
    expect(await client.hget(keys.meta, "seq")).toBe("5");
  });
});

/**
 * Compact leases (RedisBackendOptions.compactLeases; scripts/common.lua, `leased`): the delivery count rides in the
 * lease's member, so a receive writes nothing into the message and an ack reads nothing of it. What the conformance
 * suite cannot see: the stored layout, stale holders, the count surviving reclaims and hand-backs, jobs that keep the
 * old lease, and a worker of the release before them meeting one.
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigurationError } from "@hopper/core";
import type { Backend, ReceivedMessage } from "@hopper/core/backend";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedisBackend, type RedisBackend } from "./redis-backend.js";
import { createBackendFromUrl } from "./redis-url.js";
import { seededHandle, seedHandles, withBackend } from "./test-redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

/** The first message's handle: enqueued first on a fresh queue (seeded), its handle is the queue's first. */
const firstHandle = seededHandle(1);

interface CompactQueue {
  readonly backend: RedisBackend;
  readonly raw: Redis;
  readonly queue: string;
  /** The queue's keys' common part, `{<prefix>:<queue>}:`. */
  readonly base: string;
  /** The backend's key prefix, for a second backend on the same queues. */
  readonly keyPrefix: string;
}

async function onCompactQueue(body: (queue: CompactQueue) => Promise<void>): Promise<void> {
  await withBackend(async (backend, raw, keyPrefix) => {
    const base = `{${keyPrefix}:compact}:`;
    await seedHandles(raw, base);
    await body({ backend, raw, queue: "compact", base, keyPrefix });
  }, "compact", { compactLeases: true });
}

async function receiveOne(backend: Backend, queue: string, leaseMs = 30_000): Promise<ReceivedMessage> {
  const [message] = await backend.receive({ queue, maxMessages: 1, waitMs: 2000, leaseMs });
  expect(message).toBeDefined();
  return message!;
}

describe.skipIf(!redisUrl)("redis compact leases", () => {
  it("lease a plain job by the member alone: nothing written into the message, and the ack removes both", async () => {
    await onCompactQueue(async ({ backend, raw, queue, base }) => {
      await backend.enqueue([{ id: "job-1", queue, body: "{}" }]);
      const message = await receiveOne(backend, queue);
      expect(message.deliveryAttempt).toBe(1);
      expect(await raw.hmget(`${base}m:${firstHandle}`, "n", "l")).toEqual(["0", null]);
      expect(await raw.zrange(`${base}leased`, 0, -1)).toEqual([`${firstHandle}:1`]);
      expect(await message.extendLease(30_000)).toBe(true);
      await message.ack();
      expect(await raw.exists(`${base}m:${firstHandle}`)).toBe(0);
      expect(await raw.zcard(`${base}leased`)).toBe(0);
    });
  });

  it("count every delivery across reclaims and hand-backs, and refuse a stale holder's ack, nack and extension", { timeout: 20_000 }, async () => {
    await onCompactQueue(async ({ backend, raw, queue, base }) => {
      const key = `${base}m:${firstHandle}`;
      await backend.enqueue([{ id: "job-1", queue, body: "{}" }]);
      // Handed back before it started: the delivery does not count as an attempt, the count still grows.
      await (await receiveOne(backend, queue)).nack({ countAttempt: false });
      expect(await raw.hmget(key, "n", "h")).toEqual(["1", "1"]);
      const second = await receiveOne(backend, queue, 50);
      expect(second.deliveryAttempt).toBe(1);
      // Its lease runs out; the next receive takes it back, writing the count into the message, and leases it again.
      await sleep(150);
      const third = await receiveOne(backend, queue);
      expect(third.deliveryAttempt).toBe(2);
      expect(await raw.hget(key, "n")).toBe("2");
      expect(await raw.zrange(`${base}leased`, 0, -1)).toEqual([`${firstHandle}:3`]);
      // The late holder finds its lease gone: each call is a no-op.
      expect(await second.extendLease(30_000)).toBe(false);
      await second.nack();
      await second.ack();
      expect(await raw.zrange(`${base}leased`, 0, -1)).toEqual([`${firstHandle}:3`]);
      expect(await raw.exists(key)).toBe(1);
      // A counted hand-back (a retry) writes its count as it goes; the next delivery is the next attempt.
      await third.nack();
      expect(await raw.hget(key, "n")).toBe("3");
      const fourth = await receiveOne(backend, queue);
      expect(fourth.deliveryAttempt).toBe(3);
      await third.ack();
      expect(await raw.exists(key)).toBe(1);
      await fourth.ack();
      expect(await raw.exists(key)).toBe(0);
    });
  });

  it("lease a job with an ordering or dedupe key in the message, as before, so its ack releases the key", async () => {
    await onCompactQueue(async ({ backend, raw, queue, base }) => {
      await backend.enqueue([
        { id: "ordered", queue, body: "{}", orderingKey: "account-1" },
        { id: "deduped", queue, body: "{}", dedupeKey: "signup-1" },
        { id: "plain", queue, body: "{}" },
      ]);
      const messages = await backend.receive({ queue, maxMessages: 3, waitMs: 2000, leaseMs: 30_000 });
      expect(messages.map((message) => message.id).sort()).toEqual(["deduped", "ordered", "plain"]);
      const leased = await raw.zrange(`${base}leased`, 0, -1);
      expect(leased.filter((member) => member.includes(":"))).toHaveLength(1);
      expect(await raw.hget(`${base}m:${firstHandle}`, "l")).toBe("1");
      await Promise.all(messages.map((message) => message.ack()));
      expect(await raw.zcard(`${base}leased`)).toBe(0);
      expect(await raw.hlen(`${base}dedupe`)).toBe(0);
      // The key is free again: a new job with it is enqueued, not reported as a duplicate.
      expect(await backend.enqueue([{ id: "deduped-again", queue, body: "{}", dedupeKey: "signup-1" }])).toEqual([{ id: "deduped-again", status: "enqueued" }]);
    });
  });

  it("survive a worker of the release before them: it parks an expired compact lease with the orphans, and this release delivers it again", { timeout: 20_000 }, async () => {
    await onCompactQueue(async ({ backend, raw, queue, base }) => {
      await backend.enqueue([{ id: "job-1", queue, body: "{}" }]);
      const crashed = await receiveOne(backend, queue, 50);
      await sleep(150);
      // The previous release's receive (verbatim, test-fixtures/release-2026-12-06-scripts) meets the expired member.
      const read = (file: string) => readFileSync(new URL(`./test-fixtures/release-2026-12-06-scripts/${file}`, import.meta.url), "utf8");
      const previous = new Redis(redisUrl!);
      try {
        // Without records (an empty record prefix) its receive calls none of records.lua's helpers.
        previous.defineCommand("previousReceive", { numberOfKeys: 4, lua: `${read("common.lua")}\n${read("receive.lua")}` });
        const keys = ["ready", "delayed", "leased", "orphans"].map((name) => `${base}${name}`);
        const reply = (await (previous as unknown as Record<string, (...args: unknown[]) => Promise<unknown[]>>).previousReceive!(...keys, base, 10, 30_000, 1000, "", "", queue, 0)) as unknown[];
        // It leased nothing and reported the member as an orphan.
        expect(reply.slice(2)).toEqual([1, `${firstHandle}:1`]);
      } finally {
        previous.disconnect();
      }
      expect(await raw.zrange(`${base}orphans`, 0, -1)).toEqual([`${firstHandle}:1`]);
      // This release looks at orphans again a second after they were parked: the job comes back as its second attempt.
      await sleep(1100);
      const again = await receiveOne(backend, queue);
      expect(again.id).toBe("job-1");
      expect(again.deliveryAttempt).toBe(2);
      expect(await raw.zcard(`${base}orphans`)).toBe(0);
      await crashed.ack();
      expect(await raw.exists(`${base}m:${firstHandle}`)).toBe(1);
      await again.ack();
      expect(await raw.exists(`${base}m:${firstHandle}`)).toBe(0);
    });
  });

  it("lease a job whose message keeps a lease mark an older release left behind in the message, so a stale holder's ack still fails", async () => {
    await onCompactQueue(async ({ backend, raw, queue, base }) => {
      const key = `${base}m:${firstHandle}`;
      await backend.enqueue([{ id: "job-1", queue, body: "{}" }]);
      // As a release before 141de82 left a message it took back from an expired lease: the count and its mark, ready.
      await raw.hset(key, "n", "1", "l", "1");
      const message = await receiveOne(backend, queue);
      expect(message.deliveryAttempt).toBe(2);
      // Leased in the message: the mark now names this lease (a compact lease would have left "1" for the stale holder).
      expect(await raw.hmget(key, "n", "l")).toEqual(["2", "2"]);
      expect(await raw.zrange(`${base}leased`, 0, -1)).toEqual([firstHandle]);
      await message.ack();
      expect(await raw.exists(key)).toBe(0);
    });
  });

  it("lease compactly a job whose lease in the message it takes back in the same call, and refuse that lease's late holder", { timeout: 20_000 }, async () => {
    await onCompactQueue(async ({ backend, raw, queue, base, keyPrefix }) => {
      const key = `${base}m:${firstHandle}`;
      await backend.enqueue([{ id: "job-1", queue, body: "{}" }]);
      // A worker with compactLeases: false (as before a deploy turned them on) leases it into the message, and dies.
      const messageLayout = createRedisBackend({ url: redisUrl!, keyPrefix, compactLeases: false });
      let crashed: ReceivedMessage;
      try {
        crashed = await receiveOne(messageLayout, queue, 50);
        expect(await raw.hmget(key, "n", "l")).toEqual(["1", "1"]);
        await sleep(150);
        // One receive takes the expired lease back and leases the job again: by its member, the mark cleared.
        const again = await receiveOne(backend, queue);
        expect(again.deliveryAttempt).toBe(2);
        expect(await raw.hmget(key, "n", "l")).toEqual(["1", null]);
        expect(await raw.zrange(`${base}leased`, 0, -1)).toEqual([`${firstHandle}:2`]);
        // The dead worker's lease is gone: its late ack and extension change nothing.
        expect(await crashed.extendLease(30_000)).toBe(false);
        await crashed.ack();
        expect(await raw.exists(key)).toBe(1);
        expect(await raw.zrange(`${base}leased`, 0, -1)).toEqual([`${firstHandle}:2`]);
        await again.ack();
        expect(await raw.exists(key)).toBe(0);
        expect(await raw.zcard(`${base}leased`)).toBe(0);
      } finally {
        await messageLayout.close();
      }
    });
  });

  it("take the ack of a compact lease parked with the orphans, in one batch with a live one and a stale one", { timeout: 20_000 }, async () => {
    await onCompactQueue(async ({ backend, raw, queue, base }) => {
      await backend.enqueue([{ id: "job-1", queue, body: "{}" }, { id: "job-2", queue, body: "{}" }, { id: "job-3", queue, body: "{}" }]);
      const messages = await backend.receive({ queue, maxMessages: 3, waitMs: 2000, leaseMs: 30_000 });
      const [parked, live, stale] = ["job-1", "job-2", "job-3"].map((id) => messages.find((message) => message.id === id)!);
      const [parkedHandle, , staleHandle] = [seededHandle(1), seededHandle(2), seededHandle(3)];
      // job-1 as the previous release's reclaim parks it (the test above), while its holder still runs the job; job-3's
      // lease handed back, so its holder's later ack is stale.
      await raw.multi().zrem(`${base}leased`, `${parkedHandle}:1`).zadd(`${base}orphans`, Date.now(), `${parkedHandle}:1`).exec();
      await stale!.nack();
      // One batch (acks made in one turn go in one call): the parked and the live ack are taken, the stale one is not.
      await Promise.all([parked!.ack(), live!.ack(), stale!.ack()]);
      expect(await raw.exists(`${base}m:${parkedHandle}`, `${base}m:${seededHandle(2)}`)).toBe(0);
      expect(await raw.exists(`${base}m:${staleHandle}`)).toBe(1);
      expect(await raw.zcard(`${base}orphans`)).toBe(0);
      expect(await raw.zrange(`${base}ready`, 0, -1)).toEqual([staleHandle]);
    });
  });

  it("refuse a compactLeases that is not a boolean, in options and in the URL, naming the field", async () => {
    const refusal = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const option = refusal(() => createRedisBackend({ url: redisUrl!, compactLeases: "true" as unknown as boolean }));
    expect(ConfigurationError.isInstance(option) && option.field).toBe("compactLeases");
    const fromUrl = await createBackendFromUrl(new URL(`${redisUrl!}?compactLeases=yes`)).catch((error: unknown) => error);
    expect(ConfigurationError.isInstance(fromUrl) && fromUrl.field).toBe("compactLeases");
    // Given twice, it is refused rather than read as the first (which of two settings wins is no one's guess).
    const twice = await createBackendFromUrl(new URL(`${redisUrl!}?compactLeases=false&compactLeases=true`)).catch((error: unknown) => error);
    expect(ConfigurationError.isInstance(twice) && twice.field).toBe("compactLeases");
    const on = await createBackendFromUrl(new URL(`${redisUrl!}${redisUrl!.includes("?") ? "&" : "?"}compactLeases=true`));
    await on.close();
  });

  it("lease compactly by default, and into the message with compactLeases: false or ?compactLeases=false", async () => {
    const raw = new Redis(redisUrl!);
    const separator = redisUrl!.includes("?") ? "&" : "?";
    try {
      for (const [label, backend, compact] of [
        ["default options", createRedisBackend({ url: redisUrl! }), true],
        ["default URL", await createBackendFromUrl(new URL(redisUrl!)), true],
        ["option false", createRedisBackend({ url: redisUrl!, compactLeases: false }), false],
        ["URL false", await createBackendFromUrl(new URL(`${redisUrl!}${separator}compactLeases=false`)), false],
      ] as const) {
        const queue = `lease-default-${label.replaceAll(" ", "-")}-${Date.now().toString(36)}`;
        const base = `{hopper:${queue}}:`;
        await seedHandles(raw, base);
        try {
          await backend.enqueue([{ id: "job-1", queue, body: "{}" }]);
          const message = await receiveOne(backend, queue);
          expect({ label, leased: await raw.zrange(`${base}leased`, 0, -1) }).toEqual({ label, leased: [compact ? `${firstHandle}:1` : firstHandle] });
          expect({ label, count: await raw.hget(`${base}m:${firstHandle}`, "n") }).toEqual({ label, count: compact ? "0" : "1" });
          await message.ack();
        } finally {
          await backend.close();
        }
      }
    } finally {
      raw.disconnect();
    }
  });
});

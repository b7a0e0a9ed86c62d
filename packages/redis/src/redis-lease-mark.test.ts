/**
 * The lease mark `l` in a message hash (scripts/common.lua): the token of the live lease, written with the delivery
 * count by every lease and removed by every hand-back, so ack.lua checks a lease with the HMGET it makes anyway
 * instead of a ZRANK per ack.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { createConsoleLogger, createHopper, RECORD_KEPT_UNTIL_LATER_WRITE_MS } from "@hopper/core";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

describe.skipIf(!redisUrl)("redis lease mark", () => {
  it("is the live lease's token while leased, and gone once the message is handed back, reclaimed or taken again", { timeout: 30_000 }, async () => {
    const keyPrefix = `mark-${randomBytes(4).toString("hex")}`;
    const queue = "marked";
    const backend = createRedisBackend({ url: redisUrl!, keyPrefix });
    const raw = new Redis(redisUrl!);
    const message = (handle: string) => `{${keyPrefix}:${queue}}:m:${handle}`;
    // The first message's hash: enqueued first, its handle is the queue's first.
    const mark = () => raw.hmget(message("000000000000001"), "n", "l");
    try {
      await backend.enqueue([{ id: "job-1", queue, body: "{}" }]);
      expect(await mark()).toEqual(["0", null]);
      const [first] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000 });
      expect(await mark()).toEqual(["1", "1"]);
      // Handed back (a nack): the mark goes; the next lease writes its own.
      await first!.nack({ countAttempt: false });
      expect(await mark()).toEqual(["1", null]);
      const [second] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 50 });
      expect(await mark()).toEqual(["2", "2"]);
      // Its lease runs out; the next receive reclaims it (ready again) and leases a job of higher priority instead.
      await sleep(100);
      await backend.enqueue([{ id: "urgent", queue, body: "{}", priority: 10 }]);
      const [urgent] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000 });
      expect(urgent?.id).toBe("urgent");
      expect(await mark()).toEqual(["2", null]);
      await urgent!.ack();
      const [third] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000 });
      expect(third?.deliveryAttempt).toBe(2);
      expect(await mark()).toEqual(["3", "3"]);
      // The late holder's ack is refused (its token is not the live one), and the live lease keeps its mark.
      await second!.ack();
      expect(await mark()).toEqual(["3", "3"]);
      await third!.ack();
      expect(await raw.exists(message("000000000000001"))).toBe(0);

      // A scheduled message taken early (hopper move) is leased too: marked with its token.
      await backend.enqueue([{ id: "job-2", queue, body: "{}", delayMs: 60_000 }]);
      const [taken] = await backend.takeScheduled!({ queue, maxMessages: 1, leaseMs: 30_000 });
      expect(taken?.id).toBe("job-2");
      expect(await raw.hmget(message("000000000000003"), "n", "l")).toEqual(["1", "1"]);
      await taken!.ack();
    } finally {
      await backend.close();
      raw.disconnect();
    }
  });

  it("is gone from a leased message whose hash went missing (a slot migration) and came back", { timeout: 30_000 }, async () => {
    const keyPrefix = `mark-${randomBytes(4).toString("hex")}`;
    const queue = "orphaned";
    const backend = createRedisBackend({ url: redisUrl!, keyPrefix });
    const raw = new Redis(redisUrl!);
    const key = `{${keyPrefix}:${queue}}:m:000000000000001`;
    try {
      await backend.enqueue([{ id: "job-1", queue, body: "{}" }]);
      const [first] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 50 });
      expect(first?.id).toBe("job-1");
      // The hash leaves (as to a node importing its slot) while leased; the lease runs out; a receive parks the handle.
      const saved = await raw.dumpBuffer(key);
      await raw.del(key);
      await sleep(100);
      expect(await backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 30_000 })).toEqual([]);
      expect(await raw.zrange(`{${keyPrefix}:${queue}}:orphans`, 0, -1)).toEqual(["000000000000001"]);
      // Back as it left (its mark included); a receive a second later finds it and leases a job of higher priority instead.
      await raw.restore(key, 0, saved!);
      expect(await raw.hmget(key, "n", "l")).toEqual(["1", "1"]);
      await sleep(1100);
      await backend.enqueue([{ id: "urgent", queue, body: "{}", priority: 10 }]);
      const [urgent] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000 });
      expect(urgent?.id).toBe("urgent");
      expect(await raw.zscore(`{${keyPrefix}:${queue}}:ready`, "000000000000001")).not.toBeNull();
      expect(await raw.hmget(key, "n", "l")).toEqual(["1", null]);
      await urgent!.ack();
    } finally {
      await backend.close();
      raw.disconnect();
    }
  });
  it("refuses a late ack while the message waits again, handed back or reclaimed, and it runs again", { timeout: 30_000 }, async () => {
    const keyPrefix = `mark-${randomBytes(4).toString("hex")}`;
    const queue = "late";
    const backend = createRedisBackend({ url: redisUrl!, keyPrefix });
    const raw = new Redis(redisUrl!);
    const key = `{${keyPrefix}:${queue}}:m:000000000000001`;
    try {
      await backend.enqueue([{ id: "job-1", queue, body: "{}" }]);
      // Handed back unstarted: the token stays 1 (only the next lease raises it), so only the mark tells the ack no.
      const [first] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000 });
      await first!.nack({ countAttempt: false });
      await first!.ack();
      expect(await raw.hmget(key, "n", "l")).toEqual(["1", null]);
      expect(await raw.zscore(`{${keyPrefix}:${queue}}:ready`, "000000000000001")).not.toBeNull();
      // Its lease runs out and a receive puts it back in ready (leasing a job of higher priority); the late ack is refused.
      const [second] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 50 });
      expect(second?.id).toBe("job-1");
      await sleep(100);
      await backend.enqueue([{ id: "urgent", queue, body: "{}", priority: 10 }]);
      const [urgent] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000 });
      expect(urgent?.id).toBe("urgent");
      await second!.ack();
      expect(await raw.hmget(key, "n", "l")).toEqual(["2", null]);
      await urgent!.ack();
      // Still there for the next receive, which runs it again.
      const [again] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000 });
      expect(again?.id).toBe("job-1");
      expect(again?.deliveryAttempt).toBe(2);
      await again!.ack();
      expect(await raw.exists(key)).toBe(0);
    } finally {
      await backend.close();
      raw.disconnect();
    }
  });

  it("takes the holder's ack while its handle is parked as an orphan and its hash is back, and unparks it", { timeout: 30_000 }, async () => {
    const keyPrefix = `mark-${randomBytes(4).toString("hex")}`;
    const queue = "parked";
    const backend = createRedisBackend({ url: redisUrl!, keyPrefix });
    const raw = new Redis(redisUrl!);
    const key = `{${keyPrefix}:${queue}}:m:000000000000001`;
    const orphans = `{${keyPrefix}:${queue}}:orphans`;
    try {
      await backend.enqueue([{ id: "job-1", queue, body: "{}" }]);
      const [first] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 50 });
      // The hash leaves while leased (a slot migration), the lease runs out, a receive parks the handle; the hash comes back.
      const saved = await raw.dumpBuffer(key);
      await raw.del(key);
      await sleep(100);
      expect(await backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 30_000 })).toEqual([]);
      await raw.restore(key, 0, saved!);
      expect(await raw.zrange(orphans, 0, -1)).toEqual(["000000000000001"]);
      // The holder finished the job: its ack removes the message and the parked handle with it (none is left for an operator).
      await first!.ack();
      expect(await raw.exists(key)).toBe(0);
      expect(await raw.zcard(orphans)).toBe(0);
      await sleep(1100);
      expect(await backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 30_000 })).toEqual([]);
    } finally {
      await backend.close();
      raw.disconnect();
    }
  });
  it("takes a late ack the mark a release before 141de82 left still names, and runs the job no more", { timeout: 30_000 }, async () => {
    const keyPrefix = `mark-${randomBytes(4).toString("hex")}`;
    const queue = "older";
    const backend = createRedisBackend({ url: redisUrl!, keyPrefix });
    const raw = new Redis(redisUrl!);
    const key = `{${keyPrefix}:${queue}}:m:000000000000001`;
    try {
      await backend.enqueue([{ id: "job-1", queue, body: "{}" }]);
      const [first] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 50 });
      await sleep(100);
      await backend.enqueue([{ id: "urgent", queue, body: "{}", priority: 10 }]);
      const [urgent] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000 });
      expect(urgent?.id).toBe("urgent");
      // Reclaimed into ready, the mark still there (as that release's receive.lua leaves it).
      await raw.hset(key, "l", "1");
      await first!.ack();
      expect(await raw.exists(key)).toBe(0);
      expect(await raw.zscore(`{${keyPrefix}:${queue}}:ready`, "000000000000001")).toBeNull();
      await urgent!.ack();
      expect(await backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 30_000 })).toEqual([]);
      expect(await raw.zcard(`{${keyPrefix}:${queue}}:orphans`)).toBe(0);
    } finally {
      await backend.close();
      raw.disconnect();
    }
  });
  for (const away of ["reclaimed by a release before 141de82", "parked in orphans while its hash was away"] as const) {
    it(`settles a taken late ack of a line's head (${away}) as any ack: the next in line, its dedupe key, its record`, { timeout: 30_000 }, async () => {
      const keyPrefix = `mark-${randomBytes(4).toString("hex")}`;
      const queue = "lined";
      const backend = createRedisBackend({ url: redisUrl!, keyPrefix });
      const hopper = createHopper({ backend, jobs: [], logger: createConsoleLogger("silent"), records: {} });
      const raw = new Redis(redisUrl!);
      const base = `{${keyPrefix}:${queue}}:`;
      const key = `${base}m:000000000000001`;
      const records = { ttlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS };
      const message = (id: string, options: { orderingKey?: string; dedupeKey?: string; priority?: number }) => ({
        id, queue, body: "{}", ...options,
        record: { id, job: "Work", queue, enqueuedAt: Date.now(), runAt: null, ttlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS },
      });
      try {
        await backend.enqueue([message("head", { orderingKey: "line", dedupeKey: "once" }), message("next", { orderingKey: "line" })]);
        expect(await raw.hget(`${base}meta`, "waiting")).toBe("1");
        const [head] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 50, records });
        expect(head?.id).toBe("head");
        const saved = await raw.dumpBuffer(key);
        if (away !== "reclaimed by a release before 141de82") await raw.del(key);
        // The lease runs out; the next receive takes it back (or parks its handle) and leases a job of higher priority.
        await sleep(100);
        await backend.enqueue([message("urgent", { priority: 10 })]);
        const [urgent] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000, records });
        expect(urgent?.id).toBe("urgent");
        if (away === "reclaimed by a release before 141de82") {
          expect(await raw.zscore(`${base}ready`, "000000000000001")).not.toBeNull();
          await raw.hset(key, "l", "1");
        } else {
          expect(await raw.zrange(`${base}orphans`, 0, -1)).toEqual(["000000000000001"]);
          await raw.restore(key, 0, saved!);
        }

        await head!.ack({ record: { id: "head", job: "Work", queue, enqueuedAt: Date.now(), state: "succeeded", attempt: 1, result: "1", finishedAt: Date.now(), ttlMs: 60_000 } });
        expect(await raw.exists(key)).toBe(0);
        expect(await raw.zscore(`${base}ready`, "000000000000001")).toBeNull();
        expect(await raw.zcard(`${base}orphans`)).toBe(0);
        expect(await raw.lrange(`${base}o:line`, 0, -1)).toEqual(["000000000000002"]);
        expect(await raw.hget(`${base}meta`, "waiting")).toBe("0");
        expect(await hopper.jobs.get("head")).toMatchObject({ state: "succeeded", attempt: 1 });
        // The dedupe key is free: a job enqueued with it is a new one.
        expect(await backend.enqueue([message("again", { dedupeKey: "once" })])).toEqual([{ status: "enqueued", id: "again" }]);
        await urgent!.ack();
        // The next in line runs; the head never again.
        const [second] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000, records });
        expect(second?.id).toBe("next");
      } finally {
        await hopper.close();
        raw.disconnect();
      }
    });
  }
});

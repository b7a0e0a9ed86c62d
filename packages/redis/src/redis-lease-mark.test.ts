/**
 * The lease mark `l` in a message hash (scripts/common.lua): the token of the live lease, written with the delivery
 * count by every lease and removed by every hand-back, so ack.lua checks a lease with the HMGET it makes anyway
 * instead of a ZRANK per ack.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { createConsoleLogger, createHopper, type Hopper, RECORD_KEPT_UNTIL_LATER_WRITE_MS } from "@hopper/core";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import type { RedisBackend } from "./redis-backend.js";
import { seededHandle, seedHandles, withBackend } from "./test-redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

/** The first message's handle: enqueued first on a fresh queue, its handle is the queue's first. */
const firstHandle = seededHandle(1);

interface MarkedQueue {
  readonly queue: string;
  readonly backend: RedisBackend;
  /** With records on, for `hopper.jobs`. */
  readonly hopper: Hopper;
  readonly raw: Redis;
  /** The queue's keys' common part, `{<prefix>:<queue>}:`. */
  readonly base: string;
  /** The first message's hash. */
  readonly first: string;
}

/**
 * Runs `body` on a queue of a backend of its own (a fresh key prefix), with records on for `hopper.jobs`, leasing into
 * the message (compactLeases false: a compact lease writes no mark; jobs with a key or records are leased so anyway).
 */
async function onFreshQueue(queue: string, body: (marked: MarkedQueue) => Promise<void>): Promise<void> {
  await withBackend(async (backend, raw, keyPrefix) => {
    const hopper = createHopper({ backend, jobs: [], logger: createConsoleLogger("silent"), records: {} });
    const base = `{${keyPrefix}:${queue}}:`;
    await seedHandles(raw, base);
    try {
      await body({ queue, backend, hopper, raw, base, first: `${base}m:${firstHandle}` });
    } finally {
      await hopper.close();
    }
  }, "mark", { compactLeases: false });
}

/** Lets a 50 ms lease run out, then has a receive take it back (or park its handle) while it leases a job of higher priority. */
async function outlastLease({ backend, queue }: MarkedQueue, receive: { records?: { ttlMs: number } } = {}) {
  await sleep(100);
  await backend.enqueue([{ id: "urgent", queue, body: "{}", priority: 10 }]);
  const [urgent] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000, ...receive });
  expect(urgent?.id).toBe("urgent");
  return urgent!;
}

describe.skipIf(!redisUrl)("redis lease mark", () => {
  it("is the live lease's token while leased, and gone once the message is handed back, reclaimed or taken again", { timeout: 30_000 }, async () => {
    await onFreshQueue("marked", async (marked) => {
      const { backend, raw, queue, base, first: key } = marked;
      const mark = () => raw.hmget(key, "n", "l");
      await backend.enqueue([{ id: "job-1", queue, body: "{}" }]);
      expect(await mark()).toEqual(["0", null]);
      const [first] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000 });
      expect(await mark()).toEqual(["1", "1"]);
      // Handed back (a nack): the mark goes; the next lease writes its own.
      await first!.nack({ countAttempt: false });
      expect(await mark()).toEqual(["1", null]);
      const [second] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 50 });
      expect(await mark()).toEqual(["2", "2"]);
      // Its lease runs out and a receive reclaims it (ready again).
      const urgent = await outlastLease(marked);
      expect(await mark()).toEqual(["2", null]);
      await urgent.ack();
      const [third] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000 });
      expect(third?.deliveryAttempt).toBe(2);
      expect(await mark()).toEqual(["3", "3"]);
      // The late holder's ack is refused (its token is not the live one), and the live lease keeps its mark.
      await second!.ack();
      expect(await mark()).toEqual(["3", "3"]);
      await third!.ack();
      expect(await raw.exists(key)).toBe(0);

      // A scheduled message taken early (hopper move) is leased too: marked with its token.
      await backend.enqueue([{ id: "job-2", queue, body: "{}", delayMs: 60_000 }]);
      const [taken] = await backend.takeScheduled!({ queue, maxMessages: 1, leaseMs: 30_000 });
      expect(taken?.id).toBe("job-2");
      expect(await raw.hmget(`${base}m:${seededHandle(3)}`, "n", "l")).toEqual(["1", "1"]);
      await taken!.ack();
    });
  });

  it("is gone from a leased message whose hash went missing (a slot migration) and came back", { timeout: 30_000 }, async () => {
    await onFreshQueue("orphaned", async (marked) => {
      const { backend, raw, queue, base, first: key } = marked;
      await backend.enqueue([{ id: "job-1", queue, body: "{}" }]);
      const [first] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 50 });
      expect(first?.id).toBe("job-1");
      // The hash leaves (as to a node importing its slot) while leased; the lease runs out; a receive parks the handle.
      const saved = await raw.dumpBuffer(key);
      await raw.del(key);
      await sleep(100);
      expect(await backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 30_000 })).toEqual([]);
      expect(await raw.zrange(`${base}orphans`, 0, -1)).toEqual([firstHandle]);
      // Back as it left (its mark included); a receive a second later finds it and leases a job of higher priority instead.
      await raw.restore(key, 0, saved!);
      expect(await raw.hmget(key, "n", "l")).toEqual(["1", "1"]);
      await sleep(1000);
      const urgent = await outlastLease(marked);
      expect(await raw.zscore(`${base}ready`, firstHandle)).not.toBeNull();
      expect(await raw.hmget(key, "n", "l")).toEqual(["1", null]);
      await urgent.ack();
    });
  });

  it("refuses a late ack while the message waits again, handed back or reclaimed, and it runs again", { timeout: 30_000 }, async () => {
    await onFreshQueue("late", async (marked) => {
      const { backend, raw, queue, base, first: key } = marked;
      await backend.enqueue([{ id: "job-1", queue, body: "{}" }]);
      // Handed back unstarted: the token stays 1 (only the next lease raises it), so only the mark tells the ack no.
      const [first] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000 });
      await first!.nack({ countAttempt: false });
      await first!.ack();
      expect(await raw.hmget(key, "n", "l")).toEqual(["1", null]);
      expect(await raw.zscore(`${base}ready`, firstHandle)).not.toBeNull();
      // Its lease runs out and a receive puts it back in ready; the late ack is refused.
      const [second] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 50 });
      expect(second?.id).toBe("job-1");
      const urgent = await outlastLease(marked);
      await second!.ack();
      expect(await raw.hmget(key, "n", "l")).toEqual(["2", null]);
      await urgent.ack();
      // Still there for the next receive, which runs it again.
      const [again] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000 });
      expect(again?.id).toBe("job-1");
      expect(again?.deliveryAttempt).toBe(2);
      await again!.ack();
      expect(await raw.exists(key)).toBe(0);
    });
  });

  // A late ack the mark still names is taken, and settles as any ack: the job is not run again, and a line's head
  // hands the line on, frees its dedupe key and finishes its record. The mark outlives the lease in two cases.
  const stillMarked = {
    // A release before 141de82 (no mark) reclaimed it into ready, leaving the mark of the lease it took back.
    "reclaimed by a release before 141de82": { before: async () => {}, after: async ({ raw, base, first }: MarkedQueue) => {
      expect(await raw.zscore(`${base}ready`, firstHandle)).not.toBeNull();
      await raw.hset(first, "l", "1");
    } },
    // A slot migration took its hash away while leased; a receive parked its handle; the hash is back, mark and all.
    "parked in orphans while its hash was away": { before: async ({ raw, first }: MarkedQueue) => {
      const saved = await raw.dumpBuffer(first);
      await raw.del(first);
      return saved;
    }, after: async ({ raw, base, first }: MarkedQueue, saved?: Buffer) => {
      expect(await raw.zrange(`${base}orphans`, 0, -1)).toEqual([firstHandle]);
      await raw.restore(first, 0, saved!);
    } },
  };
  for (const [how, { before, after }] of Object.entries(stillMarked)) {
    it(`takes a late ack of a line's head ${how}: the next in line runs, its dedupe key is free, its record finished`, { timeout: 30_000 }, async () => {
      await onFreshQueue("lined", async (marked) => {
        const { backend, hopper, raw, queue, base, first: key } = marked;
        const records = { ttlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS };
        const message = (id: string, options: { orderingKey?: string; dedupeKey?: string }) => ({
          id, queue, body: "{}", ...options,
          record: { id, job: "Work", queue, enqueuedAt: Date.now(), runAt: null, ttlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS },
        });
        await backend.enqueue([message("head", { orderingKey: "line", dedupeKey: "once" }), message("next", { orderingKey: "line" })]);
        expect(await raw.hget(`${base}meta`, "waiting")).toBe("1");
        const [head] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 50, records });
        expect(head?.id).toBe("head");
        const saved = await before(marked);
        const urgent = await outlastLease(marked, { records });
        await after(marked, saved ?? undefined);

        await head!.ack({ record: { id: "head", job: "Work", queue, enqueuedAt: Date.now(), state: "succeeded", attempt: 1, result: "1", finishedAt: Date.now(), ttlMs: 60_000 } });
        expect(await raw.exists(key)).toBe(0);
        expect(await raw.zscore(`${base}ready`, firstHandle)).toBeNull();
        // None is left for an operator.
        expect(await raw.zcard(`${base}orphans`)).toBe(0);
        expect(await raw.lrange(`${base}o:line`, 0, -1)).toEqual([seededHandle(2)]);
        expect(await raw.hget(`${base}meta`, "waiting")).toBe("0");
        expect(await hopper.jobs.get("head")).toMatchObject({ state: "succeeded", attempt: 1 });
        expect(await backend.enqueue([message("again", { dedupeKey: "once" })])).toEqual([{ status: "enqueued", id: "again" }]);
        await urgent.ack();
        // The next in line runs; the head never again.
        const [second] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000, records });
        expect(second?.id).toBe("next");
        await second!.ack();
        await sleep(1000);
        const rest = await backend.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 30_000, records });
        expect(rest.map((message) => message.id)).toEqual(["again"]);
      });
    });
  }
});

import { randomUUID } from "node:crypto";
import { RECORD_KEPT_UNTIL_LATER_WRITE_MS } from "@hopper/core";
import type { OutgoingMessage } from "@hopper/core/backend";
import { describe, expect, it } from "vitest";
import { withBackend } from "./test-redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

/**
 * The record arguments every message (or ack) of one script call shares go once per call (enqueue.lua's and
 * ack.lua's shared forms); a call whose messages differ in them must still write each record as its own.
 */
describe.skipIf(!redisUrl)("redis records: arguments shared by a script call", () => {
  const kept = RECORD_KEPT_UNTIL_LATER_WRITE_MS;

  it("writes each record of one send as its own message said, whether the send's records differ or agree", { timeout: 30_000 }, async () => {
    const queue = "mixed";
    await withBackend(async (backend, raw, keyPrefix) => {
    const recordOf = async (id: string) => {
      const { m, ...fields } = await raw.hgetall(`${keyPrefix}:record:${id}`);
      return { fields, rides: m !== undefined, ttl: await raw.pttl(`${keyPrefix}:record:${id}`) };
    };
    const message = (id: string, record: object | undefined): OutgoingMessage => ({ id, queue, body: JSON.stringify({ id }), ...(record && { record: { id, queue, ...record } as never }) });
      const t = Date.now();
      const ids = Array.from({ length: 5 }, () => randomUUID());
      // One send (one queue, one script call) whose records differ in every argument a call could share.
      await backend.enqueue([
        message(ids[0]!, { job: "Alpha", enqueuedAt: t, runAt: null, ttlMs: kept, args: '{"args":[0]}' }),
        message(ids[1]!, { job: "Beta", enqueuedAt: t + 7, runAt: t + 60_000, ttlMs: 3_600_000, batchId: "batch-1", parentId: "parent-1" }),
        message(ids[2]!, { job: "Alpha", enqueuedAt: t, runAt: null, ttlMs: kept, parentId: "parent-2", args: '{"args":[2]}' }),
        message(ids[3]!, { job: "Alpha", enqueuedAt: t, runAt: null, ttlMs: kept, batchId: "batch-2", args: '{"args":[3]}' }),
        message(ids[4]!, { job: "Alpha", enqueuedAt: t, runAt: null, ttlMs: kept, args: '{"args":[4]}' }),
      ]);
      expect(await recordOf(ids[0]!)).toEqual({ fields: { j: "Alpha", q: queue, ea: String(t), s: "waiting", a: "0", g: '{"args":[0]}' }, rides: true, ttl: -1 });
      const beta = await recordOf(ids[1]!);
      expect(beta.fields).toEqual({ j: "Beta", q: queue, ea: String(t + 7), s: "waiting", a: "0", ra: String(t + 60_000), b: "batch-1", pj: "parent-1", u: "1" });
      expect(beta.ttl).toBeGreaterThan(3_500_000);
      expect(await recordOf(ids[2]!)).toEqual({ fields: { j: "Alpha", q: queue, ea: String(t), s: "waiting", a: "0", pj: "parent-2", g: '{"args":[2]}' }, rides: true, ttl: -1 });
      expect(await recordOf(ids[3]!)).toEqual({ fields: { j: "Alpha", q: queue, ea: String(t), s: "waiting", a: "0", b: "batch-2", g: '{"args":[3]}' }, rides: true, ttl: -1 });
      expect(await recordOf(ids[4]!)).toEqual({ fields: { j: "Alpha", q: queue, ea: String(t), s: "waiting", a: "0", g: '{"args":[4]}' }, rides: true, ttl: -1 });

      // One send whose records agree in all but args (the shared form): each keeps its own args.
      const agreeing = Array.from({ length: 3 }, () => randomUUID());
      await backend.enqueue(agreeing.map((id, index) => message(id, { job: "Gamma", enqueuedAt: t + 1, runAt: null, ttlMs: kept, batchId: "batch-3", ...(index !== 1 && { args: `{"args":[${index}]}` }) })));
      for (const [index, id] of agreeing.entries()) {
        const expected = { j: "Gamma", q: queue, ea: String(t + 1), s: "waiting", a: "0", b: "batch-3", ...(index !== 1 && { g: `{"args":[${index}]}` }) };
        expect(await recordOf(id)).toEqual({ fields: expected, rides: true, ttl: -1 });
      }
      // One send whose records agree but one message has none.
      const [bare, ...clothed] = Array.from({ length: 3 }, () => randomUUID());
      await backend.enqueue([message(clothed[0]!, { job: "Gamma", enqueuedAt: t, runAt: null, ttlMs: kept }), message(bare!, undefined), message(clothed[1]!, { job: "Gamma", enqueuedAt: t, runAt: null, ttlMs: kept })]);
      expect(await raw.exists(`${keyPrefix}:record:${bare}`)).toBe(0);
      for (const id of clothed) expect(await recordOf(id)).toEqual({ fields: { j: "Gamma", q: queue, ea: String(t), s: "waiting", a: "0" }, rides: true, ttl: -1 });
      // Every message of the sends was stored, in order.
      const received = await backend.receive({ queue, maxMessages: 20, waitMs: 0, leaseMs: 30_000 });
      expect(received.map((each) => each.id)).toEqual([...ids, ...agreeing, clothed[0], bare, clothed[1]]);

      // Sends of two records that differ in one argument each: the second keeps its own.
      const base = { job: "Eta", enqueuedAt: t, runAt: null, ttlMs: 3_600_000, batchId: "batch-4", parentId: "parent-4" };
      const differences = [{ job: "Theta" }, { enqueuedAt: t + 1 }, { runAt: t + 60_000 }, { ttlMs: 7_200_000 }, { batchId: "batch-5" }, { parentId: "parent-5" }];
      for (const difference of differences) {
        const [one, two] = [randomUUID(), randomUUID()];
        await backend.enqueue([message(one, base), message(two, { ...base, ...difference })]);
        const own: { job: string; enqueuedAt: number; runAt: number | null; ttlMs: number; batchId: string; parentId: string } = { ...base, ...difference };
        const { fields, ttl } = await recordOf(two);
        expect(fields).toEqual({ j: own.job, q: queue, ea: String(own.enqueuedAt), s: "waiting", a: "0", b: own.batchId, pj: own.parentId, u: "1", ...(own.runAt !== null && { ra: String(own.runAt) }) });
        expect(ttl).toBeGreaterThan(own.ttlMs - 60_000);
        expect(ttl).toBeLessThanOrEqual(own.ttlMs);
      }
    });
  });

  it("stores each message's own delay, priority and keys in a send that is not plain, in either record form", { timeout: 30_000 }, async () => {
    const queue = "unplain";
    await withBackend(async (backend, raw, keyPrefix) => {
      const t = Date.now();
      const record = (id: string, job: string) => ({ id, job, queue, enqueuedAt: t, runAt: null, ttlMs: kept, args: "{}" }) as never;
      // The message hash each record rides in (`m`), as stored.
      const messageOf = async (id: string) => raw.hgetall((await raw.hget(`${keyPrefix}:record:${id}`, "m"))!);
      const ids = Array.from({ length: 8 }, () => randomUUID());
      const [plain, prioritized, delayed, lined, shared, sharedPrioritized, sharedDeduped, sharedDelayed] = ids as [string, string, string, string, string, string, string, string];
      const body = (id: string) => JSON.stringify({ id });
      // Each message's own record arguments (the records differ in job): the per-message form.
      await backend.enqueue([
        { id: plain, queue, body: body(plain), record: record(plain, "Alpha") },
        { id: prioritized, queue, body: body(prioritized), priority: 5, record: record(prioritized, "Beta") },
        { id: delayed, queue, body: body(delayed), delayMs: 60_000, record: record(delayed, "Alpha") },
        { id: lined, queue, body: body(lined), orderingKey: "line-1", record: record(lined, "Alpha") },
      ]);
      // The call's record arguments once (the records agree): the shared form.
      await backend.enqueue([
        { id: shared, queue, body: body(shared), record: record(shared, "Gamma") },
        { id: sharedPrioritized, queue, body: body(sharedPrioritized), priority: -3, record: record(sharedPrioritized, "Gamma") },
        { id: sharedDeduped, queue, body: body(sharedDeduped), dedupeKey: "once", record: record(sharedDeduped, "Gamma") },
        { id: sharedDelayed, queue, body: body(sharedDelayed), delayMs: 60_000, record: record(sharedDelayed, "Gamma") },
      ]);
      for (const id of ids) expect(await raw.hget(`${keyPrefix}:record:${id}`, "j")).toBe(id === prioritized ? "Beta" : [shared, sharedPrioritized, sharedDeduped, sharedDelayed].includes(id) ? "Gamma" : "Alpha");
      const stored = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await messageOf(id)] as const)));
      for (const id of ids) expect(stored[id]).toMatchObject({ id, body: body(id), n: "0" });
      expect([plain, delayed, lined, shared, sharedDeduped, sharedDelayed].map((id) => stored[id]!.pri)).toEqual(["0", "0", "0", "0", "0", "0"]);
      expect([stored[prioritized]!.pri, stored[sharedPrioritized]!.pri]).toEqual(["5", "-3"]);
      for (const id of [delayed, sharedDelayed]) expect(Number(stored[id]!.at)).toBeGreaterThanOrEqual(t + 60_000);
      for (const id of [plain, prioritized, lined, shared]) expect(Number(stored[id]!.at)).toBeLessThan(t + 60_000);
      expect(stored[lined]!.ok).toBe("line-1");
      expect(stored[sharedDeduped]!.dk).toBe("once");
      expect(stored[plain]!.ok ?? stored[plain]!.dk).toBeUndefined();
      // Ready in priority order, then enqueue order; the delayed two wait.
      const received = await backend.receive({ queue, maxMessages: 20, waitMs: 0, leaseMs: 30_000 });
      expect(received.map((each) => each.id)).toEqual([prioritized, plain, lined, shared, sharedDeduped, sharedPrioritized]);
    });
  });

  it("leaves an existing record, and one made earlier in the same send, alone in a send of the shared form", { timeout: 30_000 }, async () => {
    const queue = "shared-existing";
    await withBackend(async (backend, raw, keyPrefix) => {
    const t = Date.now();
    const message = (id: string, n: number): OutgoingMessage => ({ id, queue, body: JSON.stringify({ id, n }), record: { id, job: "Same", queue, enqueuedAt: t, runAt: null, ttlMs: kept, args: `{"args":[${n}]}` } as never });
      const [older, fresh, twice] = [randomUUID(), randomUUID(), randomUUID()];
      await raw.hset(`${keyPrefix}:record:${older}`, "j", "Same", "q", queue, "s", "succeeded", "a", "1");
      await backend.enqueue([message(fresh, 1), message(older, 2), message(twice, 3), message(twice, 4)]);
      expect(await raw.hgetall(`${keyPrefix}:record:${older}`)).toEqual({ j: "Same", q: queue, s: "succeeded", a: "1" });
      expect(await raw.hmget(`${keyPrefix}:record:${fresh}`, "j", "s", "g")).toEqual(["Same", "waiting", '{"args":[1]}']);
      const first = await raw.hgetall(`${keyPrefix}:record:${twice}`);
      expect(first).toMatchObject({ j: "Same", s: "waiting", g: '{"args":[3]}' });
      expect(await raw.hget(first.m!, "body")).toBe(JSON.stringify({ id: twice, n: 3 }));
    });
  });

  it("settles each record of one ack call as its own ack said, whether the acks' states and ttls differ or agree", { timeout: 30_000 }, async () => {
    const queue = "acks";
    await withBackend(async (backend, raw, keyPrefix) => {
      const t = Date.now();
      const ids = Array.from({ length: 5 }, () => randomUUID());
      await backend.enqueue(ids.map((id) => ({ id, queue, body: JSON.stringify({ id }), record: { id, job: "Delta", queue, enqueuedAt: t, runAt: null, ttlMs: kept } as never })));
      const received = await backend.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 30_000, records: { ttlMs: kept } });
      expect(received.map((each) => each.record)).toEqual(ids.map(() => "running"));
      // Acked in one turn of the event loop: one ack.lua call, its acks differing in state and ttl.
      const outcomes = [
        { state: "succeeded", result: '"zero"', ttlMs: 86_400_000 },
        { state: "failed", error: '{"message":"one"}', ttlMs: 86_400_000 },
        { state: "succeeded", result: '"two"', ttlMs: 3_600_000 },
        { state: "dead", error: '{"message":"three"}', ttlMs: 7_200_000 },
        { state: "succeeded", result: '"four"', ttlMs: 86_400_000 },
      ] as const;
      await Promise.all(
        received.map((message, index) => message.ack({ record: { id: message.id, job: "Delta", queue, enqueuedAt: t, attempt: 1, finishedAt: t + index, ...outcomes[index]! } })),
      );
      for (const [index, id] of ids.entries()) {
        const key = `${keyPrefix}:record:${id}`;
        const { state, ttlMs, ...value } = outcomes[index]!;
        const fields = await raw.hgetall(key);
        expect(fields).toMatchObject({ j: "Delta", q: queue, s: state, a: "1", fa: String(t + index), ...("result" in value ? { r: value.result } : { e: value.error }) });
        expect("result" in value ? fields.e : fields.r).toBeUndefined();
        const ttl = await raw.pttl(key);
        expect(ttl).toBeGreaterThan(ttlMs - 60_000);
        expect(ttl).toBeLessThanOrEqual(ttlMs);
        expect(await raw.zscore(`${keyPrefix}:record-index:${state}`, id)).toBe(String(t + index));
      }
    });
  });
  it("settles each record of one ack call as its own, when the acks agree in result and finished time too, or only some of them do", { timeout: 30_000 }, async () => {
    const queue = "alike";
    await withBackend(async (backend, raw, keyPrefix) => {
      const t = Date.now();
      const settle = async (outcomes: readonly { result?: string; error?: string; finishedAt: number }[]) => {
        const ids: string[] = outcomes.map(() => randomUUID());
        await backend.enqueue(ids.map((id) => ({ id, queue, body: JSON.stringify({ id }), record: { id, job: "Alike", queue, enqueuedAt: t, runAt: null, ttlMs: kept } as never })));
        const received = await backend.receive({ queue, maxMessages: 20, waitMs: 0, leaseMs: 30_000, records: { ttlMs: kept } });
        expect(received.map((message) => message.id).sort()).toEqual([...ids].sort());
        // Acked in one turn of the event loop: one ack.lua call.
        await Promise.all(
          received.map((message) => {
            const { error, ...rest } = outcomes[ids.indexOf(message.id)]!;
            const state = error === undefined ? "succeeded" : "failed";
            return message.ack({ record: { id: message.id, job: "Alike", queue, enqueuedAt: t, attempt: 1, state, ttlMs: 86_400_000, ...rest, ...(error !== undefined && { error }) } });
          }),
        );
        for (const [index, id] of ids.entries()) {
          const { result, error, finishedAt } = outcomes[index]!;
          const fields = await raw.hgetall(`${keyPrefix}:record:${id}`);
          expect(fields).toMatchObject({ j: "Alike", s: error === undefined ? "succeeded" : "failed", a: "1", fa: String(finishedAt), ...(result !== undefined ? { r: result } : { e: error }) });
          expect(fields.sa).toMatch(/^\d+$/);
          expect(error === undefined ? fields.e : fields.r).toBeUndefined();
          expect(await raw.zscore(`${keyPrefix}:record-index:${fields.s}`, id)).toBe(String(finishedAt));
        }
      };
      // Every ack alike (a drain of jobs that return nothing): the call's result and finished time serve them all.
      await settle(Array.from({ length: 4 }, () => ({ result: "null", finishedAt: t })));
      // Some alike, some differing in result, in finished time, or in state.
      await settle([
        { result: '"same"', finishedAt: t + 1 },
        { result: '"same"', finishedAt: t + 1 },
        { result: '"other"', finishedAt: t + 1 },
        { result: '"same"', finishedAt: t + 2 },
        { error: '{"message":"failed"}', finishedAt: t + 1 },
        { result: '"same"', finishedAt: t + 1 },
      ]);
    });
  });
  it("indexes a record settled twice in one ack call (two copies of one job) under its last state only", { timeout: 30_000 }, async () => {
    const queue = "copies";
    await withBackend(async (backend, raw, keyPrefix) => {
      const t = Date.now();
      const id = randomUUID();
      // Two messages of one job id (a raw enqueue): the second's record insert finds the first's.
      await backend.enqueue([0, 1].map(() => ({ id, queue, body: JSON.stringify({ id }), record: { id, job: "Copy", queue, enqueuedAt: t, runAt: null, ttlMs: kept } as never })));
      const received = await backend.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 30_000, records: { ttlMs: kept } });
      expect(received).toHaveLength(2);
      const outcomes = [{ state: "succeeded", result: '"first"' }, { state: "failed", error: '{"message":"second"}' }] as const;
      // One ack.lua call: the first settles the record, the second moves it from one finished state to another.
      await Promise.all(received.map((message, index) => message.ack({ record: { id, job: "Copy", queue, enqueuedAt: t, attempt: 1, finishedAt: t + index, ttlMs: 86_400_000, ...outcomes[index]! } })));
      expect(await raw.hget(`${keyPrefix}:record:${id}`, "s")).toBe("failed");
      expect(await raw.zscore(`${keyPrefix}:record-index:failed`, id)).toBe(String(t + 1));
      expect(await raw.zscore(`${keyPrefix}:record-index:succeeded`, id)).toBeNull();
    });
  });
});

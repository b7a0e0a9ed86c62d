// A worker fetching 1,000 ahead hands its buffer back (stop, a paused queue, jobs turned slow) and renews its
// leases (every lease/8) one message at a time through the backend contract: on PostgreSQL one statement per
// message made that 1,000 statements (benchmarks/results/postgres-batched-release-2026-12-05.md). Counted here
// through a wrapped executor: the nacks and lease renewals of one moment go out as a handful of statements,
// each message still settled by its own lease token.
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import type { ReceivedMessage } from "@hopper/core/backend";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openPostgresBackend, type PostgresBackend } from "./postgres-backend.js";
import { createPgExecutor, createPGliteExecutor, type SqlExecutor } from "./postgres-executor.js";
import { postgresUrl, throwawaySchema, uniqueQueue, uniqueSchema } from "./test-postgres-targets.js";

/** Passes every statement on to `inner`, keeping its text. */
function counting(inner: SqlExecutor, statements: string[]): SqlExecutor {
  return { ...inner, query: (text, params, options) => (statements.push(text), inner.query(text, params, options)) };
}

interface Target {
  readonly name: string;
  readonly schema: string;
  executor(): SqlExecutor;
  query<Row>(text: string, params?: unknown[]): Promise<Row[]>;
}

function targets(): Target[] {
  const found: Target[] = [];
  const url = postgresUrl();
  if (url) {
    const schema = throwawaySchema(url);
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    afterAll(() => pool.end());
    found.push({ name: "postgres", schema, executor: () => createPgExecutor(new pg.Pool({ connectionString: url, max: 4 }), { ownsPool: true }), query: async (text, params) => (await pool.query(text, params)).rows });
  }
  let database: PGlite | undefined;
  const shared = () => (database ??= new PGlite());
  afterAll(() => database?.close());
  found.push({ name: "pglite", schema: uniqueSchema(), executor: () => createPGliteExecutor(shared(), { ownsDatabase: false }), query: async (text, params) => (await shared().query(text, params)).rows as never });
  return found;
}

const minuteMs = 60_000;

for (const target of targets()) {
  describe(`postgres on ${target.name}: a buffer's hand-backs and lease renewals go out together`, () => {
    const opened: PostgresBackend[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((backend) => backend.close()));
    });
    const open = async (statements: string[] = []) => {
      const backend = await openPostgresBackend(counting(target.executor(), statements), target.name, { schema: target.schema });
      opened.push(backend);
      return backend;
    };
    const enqueue = (backend: PostgresBackend, queue: string, count: number) => backend.enqueue(Array.from({ length: count }, (_, index) => ({ id: `${queue}-${index}`, queue, body: "x" })));
    /** Receives until `count` messages of `queue` are leased (a 1 ms lease ends between two receives). */
    const receiveAll = async (backend: PostgresBackend, queue: string, count: number, leaseMs: number) => {
      const messages: ReceivedMessage[] = [];
      while (messages.length < count) messages.push(...(await backend.receive({ queue, maxMessages: count - messages.length, waitMs: 10_000, leaseMs })));
      return messages;
    };
    /** Leases `count` messages for 1 ms and lets the leases run out: the messages answered hold lost leases. */
    const lostLeases = async (backend: PostgresBackend, queue: string, count: number) => {
      await enqueue(backend, queue, count);
      const lost = await receiveAll(backend, queue, count, 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return lost;
    };
    const rows = (ids: string[]) =>
      target.query<{ id: string; attempts: number; handed_back: number; leased: boolean; due_in_s: number }>(
        `SELECT id, attempts, handed_back, coalesce(locked_until > now(), false) AS leased, extract(epoch FROM run_at - now())::float8 AS due_in_s
         FROM "${target.schema}".messages WHERE id = ANY($1) ORDER BY id`,
        [ids],
      );

    it("1,000 nacks at once (uncounted, counted, delayed, stale) reach the server as a handful of statements, each row released by its own token", async () => {
      const statements: string[] = [];
      const backend = await open(statements);
      const queue = uniqueQueue();
      const reclaimedQueue = uniqueQueue("reclaimed");
      // 250 whose leases ran out and another claim took: their tokens are stale.
      const stale = await lostLeases(backend, reclaimedQueue, 250);
      const reclaimed = await receiveAll(backend, reclaimedQueue, 250, 10 * minuteMs);
      expect(reclaimed.map((message) => message.deliveryAttempt)).toEqual(reclaimed.map(() => 2));
      await enqueue(backend, queue, 750);
      const held = await receiveAll(backend, queue, 750, 10 * minuteMs);
      const uncounted = held.slice(0, 250);
      const counted = held.slice(250, 500);
      const delayed = held.slice(500);

      statements.length = 0;
      await Promise.all([
        ...uncounted.map((message) => message.nack({ retryAfterMs: 0, countAttempt: false })),
        ...counted.map((message) => message.nack({ retryAfterMs: 0 })),
        ...delayed.map((message) => message.nack({ retryAfterMs: 5 * minuteMs })),
        ...stale.map((message) => message.nack({ retryAfterMs: 0, countAttempt: false })),
      ]);
      expect(statements.length).toBeLessThanOrEqual(2);

      const ids = (messages: ReceivedMessage[]) => messages.map((message) => message.id);
      for (const row of await rows(ids(uncounted))) expect(row).toMatchObject({ attempts: 1, handed_back: 1, leased: false });
      for (const row of await rows(ids(counted))) expect(row).toMatchObject({ attempts: 1, handed_back: 0, leased: false });
      for (const row of await rows([...ids(uncounted), ...ids(counted)])) expect(row.due_in_s).toBeLessThanOrEqual(0);
      for (const row of await rows(ids(delayed))) {
        expect(row).toMatchObject({ attempts: 1, handed_back: 0, leased: false });
        expect(row.due_in_s).toBeGreaterThan(60);
      }
      // The stale nacks left the other claim's leases alone.
      for (const row of await rows(ids(stale))) expect(row).toMatchObject({ attempts: 2, handed_back: 0, leased: true });
      expect(await backend.stats!(queue)).toEqual({ ready: 500, delayed: 250, inFlight: 0 });
      expect(await backend.stats!(reclaimedQueue)).toEqual({ ready: 0, delayed: 0, inFlight: 250 });
      // Handed back uncounted, a message comes again as the same attempt; counted, as the next.
      const again = await receiveAll(backend, queue, 500, 10 * minuteMs);
      const attemptOf = new Map(again.map((message) => [message.id, message.deliveryAttempt]));
      expect(ids(uncounted).map((id) => attemptOf.get(id))).toEqual(uncounted.map(() => 1));
      expect(ids(counted).map((id) => attemptOf.get(id))).toEqual(counted.map(() => 2));
    });

    it("1,000 lease renewals at once reach the server as a handful of statements, each answering for its own lease", async () => {
      const statements: string[] = [];
      const backend = await open(statements);
      const queue = uniqueQueue();
      const lostQueue = uniqueQueue("lost");
      // 250 whose leases ran out: half taken by another claim since, half not.
      const lost = await lostLeases(backend, lostQueue, 250);
      const reclaimed = await receiveAll(backend, lostQueue, 125, minuteMs);
      await enqueue(backend, queue, 750);
      const held = await receiveAll(backend, queue, 750, minuteMs);

      statements.length = 0;
      const answers = await Promise.all([...held, ...lost].map((message) => message.extendLease(10 * minuteMs)));
      expect(statements.length).toBeLessThanOrEqual(2);
      expect(answers.slice(0, held.length)).toEqual(held.map(() => true));
      expect(answers.slice(held.length)).toEqual(lost.map(() => false));

      for (const row of await rows(held.map((message) => message.id))) expect(row.due_in_s).toBeGreaterThan(5 * 60);
      // The renewals of lost leases moved neither the other claim's lease nor a lease that had run out.
      for (const row of await rows(reclaimed.map((message) => message.id))) expect(row).toMatchObject({ attempts: 2, leased: true });
      for (const row of await rows(reclaimed.map((message) => message.id))) expect(row.due_in_s).toBeLessThan(2 * 60);
      const reclaimedIds = new Set(reclaimed.map((message) => message.id));
      for (const row of await rows(lost.map((message) => message.id).filter((id) => !reclaimedIds.has(id)))) expect(row).toMatchObject({ attempts: 1, leased: false });
    });

    it("a nack or renewal no statement can carry (an endless delay or lease) settles without failing the others sent with it", async () => {
      const backend = await open();
      const queue = uniqueQueue();
      await enqueue(backend, queue, 4);
      const [endless, beside, endlessLease, besideLease] = await receiveAll(backend, queue, 4, 10 * minuteMs);
      await Promise.all([endless!.nack({ retryAfterMs: Number.POSITIVE_INFINITY }), beside!.nack({ retryAfterMs: 0 })]);
      expect(await Promise.all([endlessLease!.extendLease(Number.POSITIVE_INFINITY), besideLease!.extendLease(minuteMs)])).toEqual([true, true]);
      expect(await backend.stats!(queue)).toEqual({ ready: 1, delayed: 1, inFlight: 2 });
    });

    it("rejects every nack of a flush that fails, and a nack after close, and close waits for pending hand-backs", async () => {
      const backend = await open();
      const checker = await open();
      const queue = uniqueQueue();
      await enqueue(backend, queue, 100);
      const held = await receiveAll(backend, queue, 100, 10 * minuteMs);
      const handingBack = held.slice(0, 50).map((message) => message.nack({ retryAfterMs: 0, countAttempt: false }));
      await backend.close();
      await Promise.all(handingBack);
      expect(await checker.stats!(queue)).toEqual({ ready: 50, delayed: 0, inFlight: 50 });
      await expect(held[50]!.nack({ retryAfterMs: 0 })).rejects.toThrow(/closed/);
      await expect(held[51]!.extendLease(minuteMs)).rejects.toThrow(/closed/);

      // A statement that fails (the schema gone from under it) fails every nack it carried.
      const schema = uniqueSchema();
      const doomed = await openPostgresBackend(target.executor(), target.name, { schema });
      opened.push(doomed);
      await enqueue(doomed, queue, 20);
      const doomedHeld = await receiveAll(doomed, queue, 20, 10 * minuteMs);
      await target.query(`DROP SCHEMA "${schema}" CASCADE`);
      const outcomes = await Promise.allSettled(doomedHeld.map((message) => message.nack({ retryAfterMs: 0 })));
      expect(outcomes.map((outcome) => outcome.status)).toEqual(doomedHeld.map(() => "rejected"));
    });
  });
}

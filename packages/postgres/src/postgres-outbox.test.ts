import { ConfigurationError, createHopper, Job, type Hopper, type OutboxRelaySession, type OutboxStore, type StagedMessage } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { createMemoryBackend } from "@hopper/core/memory";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPostgresCoordinationStore } from "./postgres-coordination-store.js";
import { postgresTargets, postgresUrl, silentLogger as silent, uniqueQueue } from "./test-postgres-targets.js";

class RecordSignup extends Job<{ userId: string }> {
  static override queue = "signups";
  async perform() {}
}
class UniqueSignup extends Job<{ userId: string }> {
  static override queue = "signups";
  static override unique = { key: (args: { userId: string }) => args.userId };
  async perform() {}
}

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).reverse().map((item) => item.close()));
});

/** A queue that cannot join a database transaction (as Redis, SQS and Pub/Sub cannot), fed by the outbox. */
function hopperWithOutbox(outbox: OutboxStore, backend: Backend = createMemoryBackend()): Hopper {
  const hopper = createHopper({ backend, outbox, jobs: [RecordSignup, UniqueSignup], logger: silent });
  opened.push(hopper);
  return hopper;
}

async function receiveIds(backend: Backend, queue: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  while (ids.length < count) {
    const messages = await backend.receive({ queue, maxMessages: count - ids.length, waitMs: 10_000, leaseMs: 30_000 });
    if (messages.length === 0) break;
    for (const message of messages) {
      ids.push(message.id);
      await message.ack();
    }
  }
  return ids;
}

for (const target of postgresTargets()) {
  describe(`the transactional outbox on ${target.name}`, () => {
    // PGlite's WASM start takes long on a busy machine: not inside the first test's time.
    beforeAll(() => target.query("SELECT 1"), 120_000);

    it("relays the jobs of committed transactions, and never those of rolled-back ones", async () => {
      const backend = createMemoryBackend();
      const hopper = hopperWithOutbox(await target.createOutbox(), backend);
      const queue = uniqueQueue();
      const committed = await target.transaction((client) => RecordSignup.set({ queue, transaction: client }).performAllLater([{ userId: "1" }, { userId: "2" }, { userId: "3" }]));
      const rollback = new Error("rolled back on purpose");
      await expect(target.transaction(async (client) => {
        await RecordSignup.set({ queue, transaction: client }).performAllLater([{ userId: "4" }, { userId: "5" }]);
        throw rollback;
      })).rejects.toBe(rollback);
      // Nothing reaches the queue before a relay runs.
      expect(await backend.stats!(queue)).toMatchObject({ ready: 0 });
      const relay = hopper.relay({ handleSignals: false });
      void relay.run();
      expect((await receiveIds(backend, queue, 3)).sort()).toEqual([...committed].sort());
      expect(await backend.receive({ queue, maxMessages: 10, waitMs: 1500, leaseMs: 30_000 })).toEqual([]);
      await relay.stop();
      expect(await target.query(`SELECT count(*)::int AS n FROM "${target.schema}".outbox`)).toEqual([{ n: 0 }]);
    });

    it("gives a job staged in the outbox its record, on a backend whose records ride with its sends", async () => {
      const backend = await target.createBackend();
      const hopper = createHopper({ backend, outbox: await target.createOutbox(), jobs: [RecordSignup], logger: silent, records: {} });
      opened.push(hopper);
      const queue = uniqueQueue();
      const [id] = await target.transaction((client) => RecordSignup.set({ queue, transaction: client }).performAllLater([{ userId: "r" }]));
      // Staged, not sent: no record yet (a rollback leaves none).
      expect(await hopper.jobs.get(id!)).toBeNull();
      const relay = hopper.relay({ handleSignals: false });
      void relay.run();
      let record = await hopper.jobs.get(id!);
      for (let tries = 0; tries < 100 && record === null; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        record = await hopper.jobs.get(id!);
      }
      await relay.stop();
      expect(record).toMatchObject({ id, job: RecordSignup.name, queue, state: "waiting" });
      const worker = hopper.worker({ queues: [queue], handleSignals: false });
      void worker.run();
      expect(await hopper.jobs.wait(id!, { timeout: "20s" })).toMatchObject({ id, state: "succeeded", attempt: 1 });
      await worker.stop();
    });

    it("keeps a delay as a moment: the relayed job is still delayed, by what is left", async () => {
      const backend = createMemoryBackend();
      const hopper = hopperWithOutbox(await target.createOutbox(), backend);
      const queue = uniqueQueue();
      await target.transaction((client) => RecordSignup.set({ queue, transaction: client, wait: "1h" }).performLater({ userId: "late" }));
      const relay = hopper.relay({ handleSignals: false });
      void relay.run();
      for (let tries = 0; tries < 100 && (await backend.stats!(queue)).delayed === 0; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
      await relay.stop();
      expect(await backend.stats!(queue)).toMatchObject({ ready: 0, delayed: 1 });
    });

    it("lets one relay hold the lease at a time; another takes over when it stops", async () => {
      const backend = createMemoryBackend();
      const first = hopperWithOutbox(await target.createOutbox(), backend);
      const second = hopperWithOutbox(await target.createOutbox(), backend);
      const queue = uniqueQueue();
      const firstRelay = first.relay({ handleSignals: false });
      const secondRelay = second.relay({ handleSignals: false });
      void firstRelay.run();
      // The first relay holds the lease once it has relayed something.
      const [early] = await target.transaction((client) => RecordSignup.set({ queue, transaction: client }).performAllLater([{ userId: "early" }]));
      expect(await receiveIds(backend, queue, 1)).toEqual([early]);
      void secondRelay.run();
      const ids: string[] = [];
      for (let round = 0; round < 5; round++) ids.push(...(await target.transaction((client) => RecordSignup.set({ queue, transaction: client }).performAllLater(Array.from({ length: 40 }, (_, n) => ({ userId: `${round}-${n}` }))))));
      await firstRelay.stop();
      ids.push(...(await target.transaction((client) => RecordSignup.set({ queue, transaction: client }).performAllLater([{ userId: "after" }]))));
      // Every job arrives once: two relays forwarding at once would send rows twice.
      const received = await receiveIds(backend, queue, ids.length);
      expect(received.sort()).toEqual([...ids].sort());
      expect(await backend.receive({ queue, maxMessages: 10, waitMs: 1500, leaseMs: 30_000 })).toEqual([]);
      await secondRelay.stop();
    });

    /** Runs `check` with the relay lease held over an outbox holding only five fresh jobs (their ids in staging order). */
    function withFiveStaged(check: (session: OutboxRelaySession, ids: string[], signal: AbortSignal) => Promise<void>): Promise<void> {
      return withStaged(5, check);
    }

    /** Runs `check` with the relay lease held over an outbox holding only `count` fresh jobs (their ids in staging order), from position `from` on when given. */
    async function withStaged(count: number, check: (session: OutboxRelaySession, ids: string[], signal: AbortSignal) => Promise<void>, from?: number): Promise<void> {
      const outbox = await target.createOutbox();
      opened.push(outbox);
      const hopper = hopperWithOutbox(outbox);
      const queue = uniqueQueue();
      const { signal } = new AbortController();
      const session = (await outbox.acquireRelay(signal))!;
      try {
        // Rows other tests left behind go first.
        for (let left = await session.take(500, 0, signal); left.length > 0; left = await session.take(500, 0, signal)) await session.remove(left.map((entry) => entry.position));
        if (from !== undefined) await target.query(`ALTER SEQUENCE "${target.schema}".outbox_position_seq RESTART WITH ${from}`);
        const ids = await target.transaction((client) => hopper.enqueueAll(RecordSignup, Array.from({ length: count }, (_, n) => ({ userId: String(n + 1) })), { queue, transaction: client }));
        await check(session, ids, signal);
      } finally {
        await session.release();
      }
    }
    const positions = (batch: readonly StagedMessage[]) => batch.map((entry) => entry.position);
    const idsOf = (batch: readonly StagedMessage[]) => batch.map((entry) => entry.message.id);

    it("deletes the positions a take is given and takes the rows after them, in one statement", () =>
      withFiveStaged(async (session, ids, signal) => {
        const first = await session.take(2, 0, signal);
        expect(idsOf(first)).toEqual(ids.slice(0, 2));
        // The statement's snapshot still holds the rows it deletes: they must not come back as the next batch.
        const second = await session.take(2, 0, signal, { remove: positions(first) });
        expect(idsOf(second)).toEqual(ids.slice(2, 4));
        const third = await session.take(2, 0, signal, { remove: positions(second) });
        expect(idsOf(third)).toEqual(ids.slice(4));
        expect(await target.query(`SELECT id FROM "${target.schema}".outbox ORDER BY position`)).toEqual([{ id: ids[4] }]);
      }));

    it("takes staged jobs in staging order when their positions pass a power of ten (99 to 100)", () =>
      // The take ordered by its text column of the same name: 100, 101, … came before 95 … 99 (found by review).
      withStaged(
        12,
        async (session, ids, signal) => {
          expect(positions(await session.take(12, 0, signal)).map(Number)).toEqual(Array.from({ length: 12 }, (_, n) => 95 + n));
          const first = await session.take(5, 0, signal);
          expect(idsOf(first)).toEqual(ids.slice(0, 5));
          expect(idsOf(await session.take(5, 0, signal, { remove: positions(first) }))).toEqual(ids.slice(5, 10));
        },
        95,
      ));

    it("leaves out the positions a take is told are in flight, without deleting them", () =>
      withFiveStaged(async (session, ids, signal) => {
        const first = await session.take(2, 0, signal);
        // The next batch taken while the first is still being sent: the first stays staged until it is removed.
        const second = await session.take(2, 0, signal, { inFlight: positions(first) });
        expect(idsOf(second)).toEqual(ids.slice(2, 4));
        const third = await session.take(2, 0, signal, { remove: positions(first), inFlight: positions(second) });
        expect(idsOf(third)).toEqual(ids.slice(4));
        expect(await target.query(`SELECT id FROM "${target.schema}".outbox ORDER BY position`)).toEqual(ids.slice(2).map((id) => ({ id })));
      }));

    // PGlite has one session, which never waits on its own locks.
    it.runIf(target.name === "postgres")("opens another outbox store (a web process starting) while a relay holds the lease", async () => {
      const backend = createMemoryBackend();
      const hopper = hopperWithOutbox(await target.createOutbox(), backend);
      const queue = uniqueQueue();
      const relay = hopper.relay({ handleSignals: false });
      void relay.run();
      const [first] = await target.transaction((client) => RecordSignup.set({ queue, transaction: client }).performAllLater([{ userId: "first" }]));
      expect(await receiveIds(backend, queue, 1)).toEqual([first]);
      // The lease is held now; a store opened after it must not wait for the relay to end.
      const late = hopperWithOutbox(await target.createOutbox(), backend);
      expect(late).toBeDefined();
      await relay.stop();
    });

    // Two transactions at once need two connections: PGlite has one.
    it.runIf(target.name === "postgres")("relays one ordering key's jobs in the order their transactions committed, not the order they were staged", async () => {
      const backend = createMemoryBackend();
      const hopper = hopperWithOutbox(await target.createOutbox(), backend);
      const queue = uniqueQueue();
      const relay = hopper.relay({ handleSignals: false });
      void relay.run();
      const ordered = { queue, orderingKey: "account-7" };
      let secondStaged = false;
      let firstStaged!: () => void;
      const firstIsStaged = new Promise<void>((resolve) => (firstStaged = resolve));
      // The first transaction stages, then stays open while the second stages the same key and commits at once.
      const first = target.transaction(async (client) => {
        const id = await RecordSignup.set({ ...ordered, transaction: client }).performLater({ userId: "first" });
        firstStaged();
        await new Promise((resolve) => setTimeout(resolve, 1000));
        // The second could not stage while this transaction held the key.
        expect(secondStaged).toBe(false);
        return id;
      });
      await firstIsStaged;
      const second = target.transaction(async (client) => {
        const id = await RecordSignup.set({ ...ordered, transaction: client }).performLater({ userId: "second" });
        secondStaged = true;
        return id;
      });
      const ids = [await first, await second];
      expect(await receiveIds(backend, queue, 2)).toEqual(ids);
      await relay.stop();
    });

    it("stages a unique job with its key reserved in the caller's transaction: a rollback frees the key, a commit holds it until the relayed job completes", async () => {
      const backend = createMemoryBackend();
      const coordination = await target.createCoordinationStore();
      opened.push(coordination);
      const queue = uniqueQueue();
      const performed: string[] = [];
      class UniqueWelcome extends Job<{ userId: string }> {
        static override queue = queue;
        static override unique = { key: (args: { userId: string }) => args.userId, ttl: "1h" };
        async perform(args: { userId: string }) {
          performed.push(args.userId);
        }
      }
      const hopper = createHopper({ backend, outbox: await target.createOutbox(), coordination, jobs: [UniqueWelcome], logger: silent });
      opened.push(hopper);
      const rollback = new Error("rolled back on purpose");
      await expect(target.transaction(async (client) => (await UniqueWelcome.set({ transaction: client }).performLater({ userId: "7" }), Promise.reject(rollback)))).rejects.toBe(rollback);
      // The rolled-back reservation is gone: the key is free for the next job.
      const committed = await target.transaction((client) => UniqueWelcome.set({ transaction: client }).performLater({ userId: "7" }));
      // Committed, the key is held: a second enqueue, staged or direct, names the first job and sends nothing.
      expect(await target.transaction((client) => UniqueWelcome.set({ transaction: client }).performLater({ userId: "7" }))).toBe(committed);
      expect(await UniqueWelcome.performLater({ userId: "7" })).toBe(committed);
      const relay = hopper.relay({ handleSignals: false });
      void relay.run();
      const relayed = await backend.receive({ queue, maxMessages: 10, waitMs: 10_000, leaseMs: 30_000 });
      const more = await backend.receive({ queue, maxMessages: 10, waitMs: 1000, leaseMs: 30_000 });
      await relay.stop();
      expect(relayed.map((message) => message.id)).toEqual([committed]);
      expect(more).toEqual([]);
      // Handed back, the relayed job is the worker's.
      await relayed[0]!.nack();
      // The relayed job runs on a worker; its completion frees the key as for any unique job.
      const worker = hopper.worker({ queues: [queue], lease: "30s", pollWait: "200ms", handleSignals: false });
      const running = worker.run();
      for (let tries = 0; tries < 300 && performed.length === 0; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
      // stop() waits for the job in hand to finish, its key freed with it.
      await worker.stop();
      await running;
      expect(performed).toEqual(["7"]);
      const after = await UniqueWelcome.performLater({ userId: "7" });
      expect(after).not.toBe(committed);
    });

    it("refuses a unique job through the outbox when the coordination store cannot join the transaction, naming the setting that makes it work", async () => {
      hopperWithOutbox(await target.createOutbox());
      const error = await target.transaction((client) => UniqueSignup.set({ queue: uniqueQueue(), transaction: client }).performLater({ userId: "1" })).catch((caught: unknown) => caught);
      expect(ConfigurationError.isInstance(error) && error.field).toBe("coordination");
      expect((error as ConfigurationError).message).toMatch(/createPostgresCoordinationStore/);
      expect((error as ConfigurationError).message).toMatch(/outbox/);
    });

    // Two databases on one server; PGlite is one database.
    it.runIf(target.name === "postgres")("refuses a unique job staged through the outbox when the coordination store is on another database, naming the setting and the fix", async () => {
      const url = postgresUrl()!;
      const other = `hopper_other_${randomUUID().replaceAll("-", "").slice(0, 10)}`;
      const admin = new pg.Pool({ connectionString: url, max: 1 });
      await admin.query(`CREATE DATABASE ${other}`);
      const otherUrl = new URL(url);
      otherUrl.pathname = `/${other}`;
      try {
        // The same schema's tables on both databases: without a check, the reservation lands silently on the outbox's database, where the store never looks.
        const coordination = await createPostgresCoordinationStore({ connectionString: otherUrl.href, schema: target.schema, maxConnections: 2 });
        opened.push(coordination);
        opened.push(await createPostgresCoordinationStore({ connectionString: url, schema: target.schema, maxConnections: 1 }));
        const hopper = createHopper({ backend: createMemoryBackend(), outbox: await target.createOutbox(), coordination, jobs: [UniqueSignup], logger: silent });
        opened.push(hopper);
        const queue = uniqueQueue();
        const error = await target.transaction((client) => UniqueSignup.set({ queue, transaction: client }).performLater({ userId: "1" })).catch((caught: unknown) => caught);
        expect(ConfigurationError.isInstance(error) && error.field).toBe("coordination");
        expect((error as ConfigurationError).message).toMatch(/another database/);
        expect((error as ConfigurationError).message).toMatch(/connectionString/);
        expect(await target.query(`SELECT count(*)::int AS n FROM "${target.schema}".outbox WHERE queue = $1`, [queue])).toEqual([{ n: 0 }]);
      } finally {
        await Promise.all(opened.splice(0).reverse().map((item) => item.close()));
        await admin.query(`DROP DATABASE IF EXISTS ${other} WITH (FORCE)`);
        await admin.end();
      }
    });
  });
}

describe("the outbox's configuration", () => {
  it("refuses an outbox URL that is not PostgreSQL", async () => {
    const hopper = createHopper({ backend: createMemoryBackend(), outbox: "redis://localhost:6379", jobs: [RecordSignup], logger: silent });
    opened.push(hopper);
    const error = await RecordSignup.set({ transaction: {} }).performLater({ userId: "1" }).catch((caught: unknown) => caught);
    expect(ConfigurationError.isInstance(error) && error.field).toBe("outbox");
    expect((error as ConfigurationError).message).toMatch(/an outbox must be in the database your transactions run on|no outbox can live at redis:/);
  });

  it("refuses relay() without an outbox", () => {
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [RecordSignup], logger: silent });
    opened.push(hopper);
    expect(() => hopper.relay()).toThrow(/this Hopper has none: createHopper\(\{ outbox/);
  });
});

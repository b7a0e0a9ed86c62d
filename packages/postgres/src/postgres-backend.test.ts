import { BackendClosedError, ConfigurationError } from "@hopper/core";
import type { ReceivedMessage } from "@hopper/core/backend";
import { describe, expect, it } from "vitest";
import { openedPerTest, postgresTargets, uniqueQueue, uniqueSchema } from "./test-postgres-targets.js";
import { createPostgresBackend } from "./postgres-backend.js";
import { createBackendFromUrl, createCoordinationStoreFromUrl, createOutboxStoreFromUrl } from "./postgres-backend-url.js";
import { createPostgresCoordinationStore } from "./postgres-coordination-store.js";

for (const target of postgresTargets()) {
  describe(`postgres backend on ${target.name}`, () => {
    const open = openedPerTest(target);
    /** Takes `schema` back to release 4's layout (migrations 1-4): the functions of migrations 6-8 first, then migration 5's record columns. */
    const undoMigration5 = async (schema: string) => {
      await target.query(`DROP FUNCTION "${schema}".take_scheduled_messages(text, integer, double precision)`);
      await target.query(`DROP FUNCTION "${schema}".next_due_in_ms(text)`);
      await target.query(`DROP FUNCTION "${schema}".claim_messages(text, integer, double precision, boolean)`);
      await target.query(`DROP INDEX "${schema}".messages_record_idx`);
      await target.query(`ALTER TABLE "${schema}".messages ${["job", "enqueued_at", "run_at", "started_at", "batch_id", "parent_id", "args"].map((column) => `DROP COLUMN record_${column}`).join(", ")}`);
      await target.query(`DELETE FROM "${schema}".migrations WHERE version >= 5`);
    };

    it("returns bodies byte for byte with a first delivery attempt", async () => {
      const backend = await open();
      const queue = uniqueQueue();
      const body = JSON.stringify({ text: "héllo ✓ \u0000-free 🚀", n: 1 });
      expect(await backend.enqueue([{ id: "a", queue, body }])).toEqual([{ status: "enqueued", id: "a" }]);
      const [message, ...rest] = await backend.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 30_000 });
      expect(rest).toEqual([]);
      expect(message).toMatchObject({ id: "a", body, deliveryAttempt: 1 });
      await message!.ack();
      expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    });

    it("claims higher priority first, then in enqueue order, in batches", async () => {
      const backend = await open();
      const queue = uniqueQueue();
      await backend.enqueue([
        { id: "low-1", queue, body: "x", priority: -1 },
        { id: "mid-1", queue, body: "x" },
        { id: "high-1", queue, body: "x", priority: 5 },
        { id: "mid-2", queue, body: "x" },
        { id: "high-2", queue, body: "x", priority: 5 },
      ]);
      const first = await backend.receive({ queue, maxMessages: 3, waitMs: 0, leaseMs: 30_000 });
      const second = await backend.receive({ queue, maxMessages: 3, waitMs: 0, leaseMs: 30_000 });
      expect(first.map((message) => message.id)).toEqual(["high-1", "high-2", "mid-1"]);
      expect(second.map((message) => message.id)).toEqual(["mid-2", "low-1"]);
    });

    it("hands a claim's messages over in enqueue order when their seqs pass a power of ten (9 to 10)", async () => {
      // The claim's rows were put back in order by their seq as text ("1", "10", "11", …, "2"): a batch crossing a
      // power of ten started its jobs out of enqueue order.
      const backend = await open({ schema: uniqueSchema() });
      const queue = uniqueQueue();
      const ids = Array.from({ length: 12 }, (_, index) => `m${index + 1}`);
      await backend.enqueue(ids.map((id) => ({ id, queue, body: "x" })));
      const messages = await backend.receive({ queue, maxMessages: 12, waitMs: 0, leaseMs: 30_000 });
      expect(messages.map((message) => message.id)).toEqual(ids);
    });

    it("takes delayed messages due at the same time in enqueue order when their seqs pass a power of ten", async () => {
      // As the claim's (above): take-scheduled put its rows back in order by seq as text (found by review).
      const backend = await open({ schema: uniqueSchema() });
      const queue = uniqueQueue();
      const ids = Array.from({ length: 12 }, (_, index) => `d${index + 1}`);
      await backend.enqueue(ids.map((id) => ({ id, queue, body: "x", delayMs: 3_600_000 })));
      const taken = await backend.takeScheduled!({ queue, maxMessages: 12, leaseMs: 30_000 });
      expect(taken.map((message) => message.id)).toEqual(ids);
    });

    it("holds delayed messages until they are due on the database clock", async () => {
      const backend = await open();
      const queue = uniqueQueue();
      await backend.enqueue([{ id: "later", queue, body: "x", delayMs: 300 }, { id: "far", queue, body: "x", delayMs: 365 * 24 * 3600 * 1000 * 1000 }]);
      expect(await backend.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 30_000 })).toEqual([]);
      expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 2, inFlight: 0 });
      const messages = await backend.receive({ queue, maxMessages: 10, waitMs: 10_000, leaseMs: 30_000 });
      expect(messages.map((message) => message.id)).toEqual(["later"]);
    });

    it("redelivers after the lease runs out, counting the attempt, and ignores the stale ack", async () => {
      const backend = await open();
      const queue = uniqueQueue();
      await backend.enqueue([{ id: "a", queue, body: "x" }]);
      const [first] = await backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 100 });
      const [second] = await backend.receive({ queue, maxMessages: 1, waitMs: 10_000, leaseMs: 30_000 });
      expect(second).toMatchObject({ id: "a", deliveryAttempt: 2 });
      await first!.ack();
      await first!.nack();
      expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 1 });
      await second!.ack();
      expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    });

    it("nacks at once or after a delay, and extends leases", async () => {
      const backend = await open();
      const queue = uniqueQueue();
      await backend.enqueue([{ id: "a", queue, body: "x" }, { id: "b", queue, body: "x" }]);
      const [a, b] = await backend.receive({ queue, maxMessages: 2, waitMs: 0, leaseMs: 200 });
      await a!.nack({ retryAfterMs: 60_000 });
      await b!.extendLease(60_000);
      expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 1, inFlight: 1 });
      // Past the original 200 ms lease: neither comes back.
      expect(await backend.receive({ queue, maxMessages: 2, waitMs: 600, leaseMs: 30_000 })).toEqual([]);
      await b!.nack();
      const [again] = await backend.receive({ queue, maxMessages: 2, waitMs: 0, leaseMs: 30_000 });
      expect(again).toMatchObject({ id: "b", deliveryAttempt: 2 });
    });

    it("drops messages whose dedupe key is queued or in flight, and frees the key on ack", async () => {
      const backend = await open();
      const queue = uniqueQueue();
      const results = await backend.enqueue([
        { id: "a", queue, body: "x", dedupeKey: "k" },
        { id: "b", queue, body: "x", dedupeKey: "k" },
        { id: "c", queue: uniqueQueue(), body: "x", dedupeKey: "k" },
      ]);
      expect(results).toEqual([
        { status: "enqueued", id: "a" },
        { status: "duplicate", id: "b", existingId: "a" },
        { status: "enqueued", id: "c" },
      ]);
      const [a] = await backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 30_000 });
      expect(await backend.enqueue([{ id: "d", queue, body: "x", dedupeKey: "k" }])).toEqual([{ status: "duplicate", id: "d", existingId: "a" }]);
      await a!.ack();
      expect(await backend.enqueue([{ id: "e", queue, body: "x", dedupeKey: "k" }])).toEqual([{ status: "enqueued", id: "e" }]);
    });

    it("delivers one message per ordering key at a time, in order", async () => {
      const backend = await open();
      const queue = uniqueQueue();
      await backend.enqueue([
        { id: "a1", queue, body: "x", orderingKey: "a" },
        { id: "a2", queue, body: "x", orderingKey: "a", priority: 9 },
        { id: "b1", queue, body: "x", orderingKey: "b" },
        { id: "free", queue, body: "x" },
        { id: "a3", queue, body: "x", orderingKey: "a" },
      ]);
      const ids = (messages: ReceivedMessage[]) => messages.map((message) => message.id).sort();
      const first = await backend.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 30_000 });
      expect(ids(first)).toEqual(["a1", "b1", "free"]);
      await first.find((message) => message.id === "a1")!.nack({ retryAfterMs: 0 });
      const retried = await backend.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 30_000 });
      expect(ids(retried)).toEqual(["a1"]);
      await retried[0]!.ack();
      const next = await backend.receive({ queue, maxMessages: 10, waitMs: 5_000, leaseMs: 30_000 });
      expect(ids(next)).toEqual(["a2"]);
    });

    it("wakes an idle receiver through NOTIFY, not polling", async () => {
      const receiver = await open({ pollIntervalMs: 600_000 });
      const sender = await open();
      const queue = uniqueQueue();
      const receiving = receiver.receive({ queue, maxMessages: 10, waitMs: 20_000, leaseMs: 30_000 });
      // Let the receiver find the queue empty and go to sleep first.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await sender.enqueue([{ id: "wake", queue, body: "x" }]);
      expect((await receiving).map((message) => message.id)).toEqual(["wake"]);
    });

    it("resolves a pending receive with [] on close, then rejects calls", async () => {
      const backend = await target.createBackend();
      const queue = uniqueQueue();
      const receiving = backend.receive({ queue, maxMessages: 1, waitMs: 30_000, leaseMs: 30_000 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      await Promise.all([backend.close(), backend.close()]);
      expect(await receiving).toEqual([]);
      await expect(backend.enqueue([{ id: "a", queue, body: "x" }])).rejects.toSatisfy(BackendClosedError.isInstance);
      await expect(backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 1000 })).rejects.toSatisfy(BackendClosedError.isInstance);
    });

    it("flushes batched acks before close resolves", async () => {
      const backend = await target.createBackend();
      const checker = await open();
      const queue = uniqueQueue();
      await backend.enqueue(Array.from({ length: 50 }, (_, index) => ({ id: `m${index}`, queue, body: "x" })));
      const messages = await backend.receive({ queue, maxMessages: 50, waitMs: 0, leaseMs: 30_000 });
      expect(messages).toHaveLength(50);
      const acking = messages.map((message) => message.ack());
      await backend.close();
      await Promise.all(acking);
      expect(await checker.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    });

    it("migrates once when many backends start together on a fresh schema", async () => {
      const schema = uniqueSchema();
      const backends = await Promise.all(Array.from({ length: 4 }, () => open({ schema })));
      const ledger = await target.query<{ version: number }>(`SELECT version FROM "${schema}".migrations ORDER BY version`);
      expect(ledger.map((row) => row.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(await backends[0]!.migrate()).toEqual([]);
      await target.query(`DROP SCHEMA "${schema}" CASCADE`);
    });

    it("upgrades a schema made before migration 4 to a half-filled messages table, keeping its queued and leased messages", async () => {
      const schema = uniqueSchema();
      const queue = uniqueQueue();
      // One message queued and one under a lease, then the schema as release 3 left it: default fill factor.
      const older = await open({ schema });
      await older.enqueue([{ id: "leased", queue, body: "x" }, { id: "queued", queue, body: "y" }]);
      const [leased] = await older.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 30_000 });
      expect(leased).toMatchObject({ id: "leased" });
      await undoMigration5(schema);
      await target.query(`ALTER TABLE "${schema}".messages RESET (fillfactor)`);
      await target.query(`DELETE FROM "${schema}".migrations WHERE version >= 4`);

      const upgraded = await open({ schema });
      const [table] = await target.query<{ options: string[] | null }>(
        `SELECT reloptions AS options FROM pg_class WHERE oid = '"${schema}".messages'::regclass`,
      );
      expect(table!.options).toEqual(["fillfactor=50"]);
      expect((await upgraded.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 30_000 })).map((message) => message.id)).toEqual(["queued"]);
      await leased!.ack();
      expect(await upgraded.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 1 });
      await target.query(`DROP SCHEMA "${schema}" CASCADE`);
    });

    it("upgrades a schema made before migration 5: a job enqueued before it keeps its job_records record to the end, one enqueued after keeps it in its message row", async () => {
      const schema = uniqueSchema();
      const queue = uniqueQueue();
      const table = `"${schema}".job_records`;
      const record = (id: string) => ({ id, job: "SendEmail", queue, enqueuedAt: 1_700_000_000_000, runAt: null, ttlMs: Number.MAX_SAFE_INTEGER, args: `{"args":"${id}"}` });
      const settled = (id: string) => ({ id, job: "SendEmail", queue, enqueuedAt: 1_700_000_000_000, state: "succeeded" as const, attempt: 1, result: "1", finishedAt: 1_700_000_001_000, ttlMs: 60_000 });
      const jobRecordsRows = async () => Number((await target.query<{ count: string }>(`SELECT count(*) FROM ${table}`))[0]!.count);
      // The schema as release 4 left it (migrations 1-4), and a job enqueued with its record by that release's statements.
      await (await open({ schema })).close();
      await undoMigration5(schema);
      const older = await target.createOlderRecordsBackend({ schema, migrate: false });
      try {
        await older.recordStore!().get("none");
        await older.enqueue([{ id: "before", queue, body: "x", record: record("before") }]);
      } finally {
        await older.close();
      }
      expect(await jobRecordsRows()).toBe(1);

      const upgraded = await open({ schema });
      const store = upgraded.recordStore!();
      await upgraded.enqueue([{ id: "after", queue, body: "y", record: record("after") }]);
      expect(await jobRecordsRows()).toBe(1);
      expect(await store.get("before")).toMatchObject({ state: "waiting", args: '{"args":"before"}' });
      expect(await store.get("after")).toMatchObject({ state: "waiting", args: '{"args":"after"}' });
      const received = await upgraded.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 30_000, records: { ttlMs: Number.MAX_SAFE_INTEGER } });
      expect(received.map((message) => [message.id, message.record])).toEqual([["before", "running"], ["after", "running"]]);
      expect(await store.get("after")).toMatchObject({ state: "running", attempt: 1 });
      await Promise.all(received.map((message) => message.ack({ record: settled(message.id) })));
      await upgraded.close();
      expect(await jobRecordsRows()).toBe(2);
      const reopened = await open({ schema });
      for (const id of ["before", "after"]) expect(await reopened.recordStore!().get(id)).toMatchObject({ state: "succeeded", attempt: 1, result: "1", args: `{"args":"${id}"}` });
      await target.query(`DROP SCHEMA "${schema}" CASCADE`);
    });

    it("refuses a schema name that is not a plain identifier", async () => {
      for (const schema of ["Hopper", "x; DROP TABLE y", "a\"b", ""]) {
        await expect(target.createBackend({ schema })).rejects.toSatisfy((error: unknown) => ConfigurationError.isInstance(error) && (error as ConfigurationError).field === "schema");
      }
    });
  });
}

describe("postgres connection options that would silently pick a default", () => {
  // pg reads an empty connection string as "the PG* variables, else localhost"; pglite:// with no path is an in-memory database.
  it("refuses an empty connectionString, for the backend and the coordination store", async () => {
    await expect(createPostgresBackend({ connectionString: "" })).rejects.toSatisfy((error: unknown) => ConfigurationError.isInstance(error) && (error as ConfigurationError).field === "connectionString");
    await expect(Promise.resolve().then(() => createPostgresCoordinationStore({ connectionString: " " }))).rejects.toSatisfy((error: unknown) => ConfigurationError.isInstance(error) && (error as ConfigurationError).field === "connectionString");
  });

  it("refuses pglite:// without a path: memory only when named (pglite://memory)", async () => {
    await expect(createBackendFromUrl(new URL("pglite://"))).rejects.toSatisfy((error: unknown) => ConfigurationError.isInstance(error) && /pglite:\/\/memory/.test((error as Error).message));
  });

  it("refuses a near miss of ?schema= (the jobs would land in the default schema), and on pglite:// any parameter but it", async () => {
    for (const url of ["postgres://127.0.0.1:1/app?shema=tenant", "postgresql://127.0.0.1:1/app?sslmode=disable&Schema=tenant"]) {
      await expect(createBackendFromUrl(new URL(url))).rejects.toThrow(/^url\.(shema|Schema): is not a postgres(ql)?:\/\/ URL parameter: did you mean schema\?/);
      await expect(createCoordinationStoreFromUrl(new URL(url))).rejects.toThrow(/did you mean schema\?/);
      await expect(createOutboxStoreFromUrl(new URL(url))).rejects.toThrow(/did you mean schema\?/);
    }
    await expect(createBackendFromUrl(new URL("pglite://memory?sslmode=require"))).rejects.toThrow(/^url\.sslmode: is not a pglite:\/\/ URL parameter \(use schema\)$/);
  });
});

// A ready row changed and committed while a claim is under way, still claimable (the record store's remove() clears
// record_job so), must come back from that receive: the claim's lock follows the row to its new version. Migration 6's
// claim joined its update on the row version the lock returned (ctid), which the statement's snapshot does not see:
// such a row was neither leased nor returned, and a receive left empty by it waited for a NOTIFY or its poll, since the
// next-due lookup looks only at rows due later. Migration 8 joins it on seq
// (benchmarks/results/postgres-claim-skip-2026-12-05.md).
// The schema's claim_messages is replaced by a copy of itself that pauses its first call after taking its snapshot, so
// the change lands inside the claim; pg_stat_activity shows the pause was still on when the change committed, so no
// test here passes without the race. PostgreSQL only: PGlite runs one statement at a time, so no commit can land
// inside a claim there.
import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPostgresBackend, type PostgresBackend } from "./postgres-backend.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";
import { schemaBeforeMigration } from "./test-rolling-releases.js";

const url = postgresUrl();
const claimSignature = "claim_messages(text, integer, double precision, boolean)";
const readyFilter = "m.queue = queue_name AND m.run_at <= now()";
/** Paused only on the sequence's first value, so later claims run as they are. */
const pauseOnce = (schema: string) => `(SELECT 1 FROM pg_sleep(CASE WHEN nextval('"${schema}".claim_calls') = 1 THEN 2 ELSE 0 END)) = 1`;

/** `declaration` (a CREATE FUNCTION of claim_messages) with a pause where it looks for ready rows, after its snapshot. */
function withPause(declaration: string, schema: string): string {
  expect(declaration).toContain(readyFilter);
  return declaration.replace(readyFilter, `${readyFilter} AND ${pauseOnce(schema)}`);
}

/** claim_messages as migration 6 declares it, on `schema`, as CREATE OR REPLACE (it puts back the previous release's claim). */
function claimOfMigration6(schema: string): string {
  const text = readFileSync(new URL("./migrations/000006_claim_in_index_order.sql", import.meta.url), "utf8");
  const start = text.indexOf("CREATE FUNCTION {{schema}}.claim_messages(");
  return text.slice(start, text.indexOf("$$;", start) + 3).replaceAll("{{schema}}", `"${schema}"`).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION");
}

describe.skipIf(!url)("postgres: a ready row changed while a claim runs is claimed by it", () => {
  const schema = url ? throwawaySchema(url) : "";
  const messages = `"${schema}".messages`;
  let backend: PostgresBackend;
  let other: PostgresBackend;
  let admin: pg.Client;

  beforeAll(async () => {
    // pollIntervalMs far beyond the tests' timeout: nothing here sends a NOTIFY, so a receive whose claim came back
    // empty would outlast the test; only the claim under way can return the row in time.
    backend = await createPostgresBackend({ connectionString: url!, schema, maxConnections: 4, pollIntervalMs: 600_000 });
    other = await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2, pollIntervalMs: 600_000 });
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SEQUENCE "${schema}".claim_calls`);
    const [{ declaration }] = (await admin.query<{ declaration: string }>(`SELECT pg_get_functiondef('"${schema}".${claimSignature}'::regprocedure) AS declaration`)).rows as [{ declaration: string }];
    await admin.query(withPause(declaration, schema));
  });

  afterAll(async () => {
    await Promise.all([backend?.close(), other?.close()]);
    await admin?.end();
  });

  beforeEach(async () => {
    await admin.query(`DELETE FROM ${messages}`);
    await admin.query(`ALTER SEQUENCE "${schema}".claim_calls RESTART`);
  });

  /** As the record store's remove() clears record_job: the rows stay ready, in a new version, and no NOTIFY is sent. */
  const removeRecords = (ids: string[]) => backend.recordStore!().remove!(ids);

  /** Inserted as ready rows with a record in the row, without the NOTIFY an enqueue sends. */
  const insertReady = (queue: string, ids: readonly string[]) =>
    admin.query(`INSERT INTO ${messages} (id, queue, body, record_job) SELECT id, $1, '{}', 'Job' FROM unnest($2::text[]) WITH ORDINALITY AS ready(id, n) ORDER BY n`, [queue, ids]);

  /** Waits for the paused claim's backend (pg_stat_activity), runs `change` (which must commit), and checks the claim was still paused. */
  async function duringThePause(change: () => Promise<unknown>): Promise<void> {
    const pausedPid = async () => (await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE '%claim_messages%' AND pid <> pg_backend_pid()`)).rows[0]?.pid;
    let pid: number | undefined;
    while ((pid = await pausedPid()) === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    await change();
    const [state] = (await admin.query<{ wait_event: string | null }>(`SELECT wait_event FROM pg_stat_activity WHERE pid = $1`, [pid])).rows;
    expect(state?.wait_event, "the change must commit while the claim is paused after its snapshot").toBe("PgSleep");
  }

  const attemptsById = async () =>
    Object.fromEntries((await admin.query<{ id: string; attempts: number }>(`SELECT id, attempts FROM ${messages} ORDER BY id`)).rows.map((row) => [row.id, row.attempts]));

  it("migration 6's claim, in this race, leaves the changed row unclaimed (the fault migration 8 removed)", async () => {
    await admin.query(withPause(claimOfMigration6(schema).replace(`"${schema}".claim_messages(`, `"${schema}".claim_messages_of_migration_6(`), schema));
    await insertReady("control", ["x1"]);
    const claimer = new pg.Client({ connectionString: url });
    await claimer.connect();
    try {
      const claim = claimer.query(`SELECT id FROM "${schema}".claim_messages_of_migration_6('control', 10, 60000, false)`);
      await duringThePause(() => removeRecords(["x1"]));
      expect((await claim).rows).toEqual([]);
      expect(await attemptsById()).toEqual({ x1: 0 });
    } finally {
      await claimer.end();
    }
  });

  it("returns a queue's only ready row to the same receive though a commit changed it during the claim", async () => {
    await insertReady("only", ["a1"]);
    const receiving = backend.receive({ queue: "only", maxMessages: 10, leaseMs: 60_000, waitMs: 60_000 });
    await duringThePause(() => removeRecords(["a1"]));
    expect((await receiving).map((message) => message.id)).toEqual(["a1"]);
    expect(await attemptsById()).toEqual({ a1: 1 });
  }, 20_000);

  it("returns the changed row with the other ready rows of the claim, each leased once, records started", async () => {
    await insertReady("several", ["b1", "b2", "b3"]);
    const receiving = backend.receive({ queue: "several", maxMessages: 10, leaseMs: 60_000, waitMs: 60_000, records: { ttlMs: 60_000 } });
    await duringThePause(() => removeRecords(["b2"]));
    const received = await receiving;
    expect(received.map((message) => [message.id, message.record ?? null])).toEqual([["b1", "running"], ["b2", null], ["b3", "running"]]);
    expect(await backend.receive({ queue: "several", maxMessages: 10, leaseMs: 60_000, waitMs: 0 })).toEqual([]);
    expect(await attemptsById()).toEqual({ b1: 1, b2: 1, b3: 1 });
  }, 20_000);

  it("leases nothing twice when another worker claims some of the rows during the claim", async () => {
    await insertReady("shared", ["c1", "c2", "c3"]);
    const receiving = backend.receive({ queue: "shared", maxMessages: 10, leaseMs: 60_000, waitMs: 60_000 });
    let taken: string[] = [];
    await duringThePause(async () => {
      taken = (await other.receive({ queue: "shared", maxMessages: 1, leaseMs: 60_000, waitMs: 0 })).map((message) => message.id);
      await removeRecords(["c2"]);
    });
    expect(taken).toEqual(["c1"]);
    expect((await receiving).map((message) => message.id)).toEqual(["c2", "c3"]);
    expect(await attemptsById()).toEqual({ c1: 1, c2: 1, c3: 1 });
  }, 20_000);
});

describe.skipIf(!url)("postgres: a schema at migration 7 upgraded to 8, 9 and 10 while its workers claim", () => {
  const schema = url ? throwawaySchema(url) : "";

  it("keeps the leases taken before the upgrade and claims every other message once after it, by PL/pgSQL", async () => {
    // The schema as the previous release leaves it: migration 6's claim, the due index keyed by seq, no ledger row 8.
    await (await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2 })).close();
    await schemaBeforeMigration(url!, schema, 8);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const language = async () => (await admin.query<{ lanname: string }>(`SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.oid = '"${schema}".${claimSignature}'::regprocedure`)).rows[0]?.lanname;
    expect(await language()).toBe("sql");
    const dueIndex = async () => (await admin.query<{ definition: string }>(`SELECT pg_get_indexdef('"${schema}".messages_due_idx'::regclass) AS definition`)).rows[0]!.definition;
    expect(await dueIndex()).toMatch(/run_at, seq\)$/);

    const workers = await Promise.all([0, 1, 2].map(() => createPostgresBackend({ connectionString: url!, schema, maxConnections: 3, migrate: false })));
    try {
      await workers[0]!.enqueue(Array.from({ length: 60 }, (_, n) => ({ id: `u${n}`, queue: "upgrade", body: "{}" })));
      const before = (await workers[0]!.receive({ queue: "upgrade", maxMessages: 10, leaseMs: 600_000, waitMs: 0 })).map((message) => message.id);
      expect(before).toHaveLength(10);

      const received: string[] = [];
      const drain = async (worker: PostgresBackend) => {
        for (;;) {
          const batch = await worker.receive({ queue: "upgrade", maxMessages: 7, leaseMs: 600_000, waitMs: 0 });
          if (batch.length === 0) return;
          received.push(...batch.map((message) => message.id));
        }
      };
      // The upgrade lands while two workers drain the queue.
      const [applied] = await Promise.all([workers[0]!.migrate(), drain(workers[1]!), drain(workers[2]!)]);
      // 8 made the claim PL/pgSQL; 9 (its UPDATE by row address) and 10 (a key held while leased) land in the same upgrade.
      expect(applied).toEqual([8, 9, 10]);
      expect(await language()).toBe("plpgsql");
      expect(await dueIndex()).toMatch(/run_at, \(\(seq \+ 0\)\)\)$/);
      await drain(workers[1]!);
      expect(received.filter((id) => before.includes(id))).toEqual([]);
      expect(new Set(received).size).toBe(received.length);
      expect(received).toHaveLength(50);
      const attempts = (await admin.query<{ attempts: number }>(`SELECT DISTINCT attempts FROM "${schema}".messages`)).rows.map((row) => row.attempts);
      expect(attempts).toEqual([1]);
    } finally {
      await Promise.all(workers.map((worker) => worker.close()));
      await admin.end();
    }
  }, 30_000);
});

// The records' retention sweep on job_records a vacuum found empty and left its pages: read as empty until the next
// analyze, however many rows come back. Joined to its list of expired ids, the planner walked the whole table once
// per expired id (24 s here). Counted in the plans, not timed.
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECORD_KEPT_UNTIL_LATER_WRITE_MS } from "@hopper/core";
import { createPostgresBackend, openPostgresBackend, type PostgresBackend } from "./postgres-backend.js";
import { createPGliteExecutor, createPgExecutor } from "./postgres-executor.js";
import { recordSql } from "./postgres-record-sql.js";
import { buildPostgresRecordStore } from "./postgres-record-store.js";
import { resolveSchema } from "./postgres-schema.js";
import { explainingExecutor, rowsHandled, vacuumedEmpty } from "./test-plan-logging.js";
import { postgresUrl, statementWaitingOnLock, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

describe.skipIf(!url)("postgres: the retention sweep after a vacuum found job_records empty", () => {
  const schemaName = url ? throwawaySchema(url) : "";
  const schema = resolveSchema(schemaName || "unused");
  const records = recordSql(schema, { messageRows: true });
  const table = (name: string) => `"${schemaName}".${name}`;
  let pool: pg.Pool;
  let backend: PostgresBackend;
  beforeAll(async () => {
    backend = await createPostgresBackend({ connectionString: url!, schema: schemaName, maxConnections: 2 });
    await (backend.recordStore!() as unknown as { ready(): Promise<void> }).ready();
    pool = new pg.Pool({ connectionString: url!, max: 3 });
    await vacuumedEmpty(pool, schemaName, ["job_records"]);
    // Records kept since, which no analyze has seen.
    await pool.query(
      `INSERT INTO ${table("job_records")} (id, job, queue, state, attempt, enqueued_at, finished_at, expires_at)
       SELECT 'live-' || n, 'Job', 'kept', 'succeeded', 1, 0, n, now() + interval '1 day' FROM generate_series(1, 50000) AS n`,
    );
    const { rows } = await pool.query(`SELECT reltuples FROM pg_class WHERE oid = '${table("job_records")}'::regclass`);
    expect(Number(rows[0].reltuples)).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await backend?.close();
  });

  const expiredRecords = (prefix: string, count: number) =>
    pool.query(
      `INSERT INTO ${table("job_records")} (id, job, queue, state, attempt, enqueued_at, finished_at, expires_at)
       SELECT '${prefix}-' || n, 'Job', 'kept', 'succeeded', 1, 0, n, now() - interval '1 second' FROM generate_series(1, ${count}) AS n`,
    );
  const count = async (where: string) => (await pool.query(`SELECT count(*)::int AS n FROM ${table("job_records")} WHERE ${where}`)).rows[0].n as number;
  const sweepAll = async () => {
    while ((await pool.query(records.sweep(1000))).rows[0].n > 0);
  };

  it("the retention sweep deletes 1,000 expired records by the primary key, not by a walk of job_records per record", async () => {
    await expiredRecords("expired", 5000);
    const plans: any[] = [];
    await explainingExecutor(pool, plans, "run").query(records.sweep(1000));
    // Joined by `id IN (…)`, this plan handled 218,070,500 rows (walks of job_records, once per expired id), 24 s.
    expect(rowsHandled(plans[0])).toBeLessThanOrEqual(10 * 1000);
    expect(await count("id LIKE 'expired-%'")).toBe(4000);
    expect(await count("id LIKE 'live-%'")).toBe(50000);
    await sweepAll();
    expect(await count("expires_at <= now()")).toBe(0);
    expect(await count("id LIKE 'live-%'")).toBe(50000);
  }, 60_000);

  it("the sweep leaves a record written again while the sweep ran (its id enqueued or acked again)", async () => {
    await sweepAll();
    await expiredRecords("revived", 1);
    const enqueue = await pool.connect();
    try {
      await enqueue.query("BEGIN");
      // As an enqueue of the same id writes over an expired record (the insert's ON CONFLICT … WHERE expired).
      await enqueue.query(`UPDATE ${table("job_records")} SET state = 'waiting', expires_at = 'infinity' WHERE id = 'revived-1'`);
      let finished = false;
      const sweep = pool.query(records.sweep(1000)).finally(() => {
        finished = true;
      });
      // The sweep passes the row by (it is held): it ends before the writer commits. The statement before waited for it,
      // then deleted it anyway.
      await statementWaitingOnLock(pool, "%DELETE FROM%", schemaName, () => finished);
      expect(finished).toBe(true);
      await enqueue.query("COMMIT");
      await sweep;
    } finally {
      enqueue.release();
    }
    expect(await count("id = 'revived-1' AND state = 'waiting'")).toBe(1);
  }, 60_000);

  it("a store sweeps from ready() (what the backend's enqueues, claims and acks call), a batch at a time until none is left", async () => {
    await sweepAll();
    await expiredRecords("many", 3500);
    // The backend's own store, sweeping at every chance (a minute apart in use).
    const store = buildPostgresRecordStore(createPgExecutor(pool, { ownsPool: false }), schema, { ownsExecutor: false, joinsTransactions: true, messageRows: true, sweepEveryMs: 0 });
    try {
      await store.ready();
      for (let wait = 0; wait < 600 && (await count("id LIKE 'many-%'")) > 0; wait++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await count("id LIKE 'many-%'")).toBe(0);
      expect(await count("id LIKE 'live-%'")).toBe(50000);
    } finally {
      await store.close();
    }
  }, 60_000);

  it("a sweep whose connection is cut (a server restart, a failover) is logged, and the next sweep deletes what it left", async () => {
    await sweepAll();
    await expiredRecords("cut", 3000);
    const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
    const logger = { debug() {}, info() {}, warn: (message: string, fields?: Record<string, unknown>) => warnings.push({ message, fields }), error() {} };
    const sweeping = new pg.Pool({ connectionString: url!, max: 2 });
    sweeping.on("error", () => {});
    const backend = await openPostgresBackend(createPgExecutor(sweeping, { ownsPool: true }), "postgres", { schema: schemaName }, { messageRows: true, sweepEveryMs: 0 });
    // As the core gives its logger to the store it opens; the backend's own statements' store, which sweeps here, shares it.
    backend.recordStore!().useLogger!(logger);
    const enqueueWithRecord = (id: string) =>
      backend.enqueue([{ id, queue: "sweep-cut", body: "{}", record: { id, job: "Job", queue: "sweep-cut", enqueuedAt: Date.now(), runAt: null, ttlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS } }]);
    // The sweep's first DELETE stops in a trigger until its connection is cut; later ones pass (a sequence is not rolled back).
    const stopFirstDelete = `${schemaName}_stop_first_delete`;
    const sleepingSweeps = `SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE '%DELETE FROM%${schemaName}%'`;
    try {
      await pool.query(`CREATE SEQUENCE ${table("sweep_deletes")}`);
      await pool.query(
        `CREATE FUNCTION ${table(stopFirstDelete)}() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN IF nextval('${table("sweep_deletes")}') = 1 THEN PERFORM pg_sleep(30); END IF; RETURN NULL; END $$`,
      );
      await pool.query(`CREATE TRIGGER stop_first_delete BEFORE DELETE ON ${table("job_records")} FOR EACH STATEMENT EXECUTE FUNCTION ${table(stopFirstDelete)}()`);
      await enqueueWithRecord("cut-trigger-1");
      let sleeping: { pid: number }[] = [];
      for (let wait = 0; wait < 600 && sleeping.length === 0; wait++) {
        sleeping = (await pool.query(sleepingSweeps)).rows;
        if (sleeping.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(sleeping).toHaveLength(1);
      await pool.query("SELECT pg_terminate_backend($1)", [sleeping[0]!.pid]);
      for (let wait = 0; wait < 600 && warnings.length === 0; wait++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.message).toMatch(/sweep of expired job records failed/);
      expect(String(warnings[0]!.fields?.error)).toMatch(/terminat/);
      // The cut batch rolled back: every record is still there, and the store still works.
      expect(await count("id LIKE 'cut-%'")).toBe(3000);
      await enqueueWithRecord("cut-trigger-2");
      for (let wait = 0; wait < 600 && (await count("id LIKE 'cut-%'")) > 0; wait++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await count("id LIKE 'cut-%'")).toBe(0);
      expect(await count("id LIKE 'live-%'")).toBe(50000);
      expect(warnings).toHaveLength(1);
    } finally {
      // The trigger first (a sweep still asleep in it cut loose): should the test end early, the next test's first DELETE must not sleep.
      await pool.query(`SELECT pg_terminate_backend(pid) FROM (${sleepingSweeps}) AS sleeping`);
      await pool.query(`DROP TRIGGER IF EXISTS stop_first_delete ON ${table("job_records")}`);
      await pool.query(`DROP FUNCTION IF EXISTS ${table(stopFirstDelete)}(); DROP SEQUENCE IF EXISTS ${table("sweep_deletes")}`);
      await backend.close();
    }
  }, 60_000);

  it("a backend's close stops its sweep, on a pool the caller owns", async () => {
    await sweepAll();
    await expiredRecords("backlog", 50000);
    const backend = await openPostgresBackend(createPgExecutor(pool, { ownsPool: false }), "postgres", { schema: schemaName }, { messageRows: true, sweepEveryMs: 0 });
    // An enqueue with a record readies the backend's record store, which starts the sweep.
    await backend.enqueue([{ id: "sweep-trigger", queue: "sweep-close", body: "{}", record: { id: "sweep-trigger", job: "Job", queue: "sweep-close", enqueuedAt: Date.now(), runAt: null, ttlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS } }]);
    for (let wait = 0; wait < 600 && (await count("id LIKE 'backlog-%'")) === 50000; wait++) await new Promise((resolve) => setTimeout(resolve, 10));
    await backend.close();
    const left = await count("id LIKE 'backlog-%'");
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(50000);
    // Nothing deletes after the close: the loop ran on this pool until told to stop.
    await pool.query("SELECT pg_sleep(0.3)");
    expect(await count("id LIKE 'backlog-%'")).toBe(left);
    await sweepAll();
  }, 60_000);
});

describe("pglite: the retention sweep", () => {
  it("deletes expired records a batch at a time, from ready(), and leaves live ones", async () => {
    const database = new PGlite();
    const backend = await openPostgresBackend(createPGliteExecutor(database, { ownsDatabase: false }), "pglite", { schema: "hopper" }, { messageRows: true, sweepEveryMs: 0 });
    try {
      const count = async (where: string) => ((await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM hopper.job_records WHERE ${where}`)).rows[0]!.n);
      await backend.enqueue([{ id: "kept", queue: "sweep", body: "{}", record: { id: "kept", job: "Job", queue: "sweep", enqueuedAt: Date.now(), runAt: null, ttlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS } }]);
      await database.query(
        `INSERT INTO hopper.job_records (id, job, queue, state, attempt, enqueued_at, finished_at, expires_at)
         SELECT 'expired-' || n, 'Job', 'sweep', 'succeeded', 1, 0, n, now() - interval '1 second' FROM generate_series(1, 2500) AS n
         UNION ALL SELECT 'live-' || n, 'Job', 'sweep', 'succeeded', 1, 0, n, now() + interval '1 day' FROM generate_series(1, 100) AS n`,
      );
      // The next enqueue with a record starts a sweep (sweepEveryMs 0), which runs three batches.
      await backend.enqueue([{ id: "again", queue: "sweep", body: "{}", record: { id: "again", job: "Job", queue: "sweep", enqueuedAt: Date.now(), runAt: null, ttlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS } }]);
      for (let wait = 0; wait < 600 && (await count("id LIKE 'expired-%'")) > 0; wait++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await count("id LIKE 'expired-%'")).toBe(0);
      expect(await count("id LIKE 'live-%'")).toBe(100);
    } finally {
      await backend.close();
      await database.close();
    }
  }, 60_000);
});

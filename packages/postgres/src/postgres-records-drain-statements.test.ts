// What a drained job's records cost the claim and the ack on PostgreSQL (#20,
// benchmarks/results/records-postgres-drain-2026-12-04.md), counted in their plans: the claim probes job_records once
// per claimed row, and the ack inserts a finished record without ON CONFLICT (a speculative insertion costs a WAL
// record and about a third of the insert's CPU). A record another transaction inserts while the ack runs still
// settles, and the ack still deletes its messages.
import { RECORD_KEPT_UNTIL_LATER_WRITE_MS } from "@hopper/core";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresBackend, type PostgresBackend } from "./postgres-backend.js";
import { createPGliteExecutor, createPgExecutor, type SqlExecutor } from "./postgres-executor.js";
import { recordSql } from "./postgres-record-sql.js";
import { resolveSchema, type PostgresSchema } from "./postgres-schema.js";
import { claimMessages } from "./operations/claim-messages.js";
import { deleteMessages, type AckItem } from "./operations/delete-messages.js";
import { enqueueMessages } from "./operations/enqueue-messages.js";
import { explainingExecutor, rowsHandled, vacuumedEmpty } from "./test-plan-logging.js";
import { postgresUrl, statementWaitingOnLock, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();
const dayMs = 86_400_000;

/** Every node of a plan, its CTEs and subplans included. */
function nodes(plan: any, found: any[] = []): any[] {
  found.push(plan);
  for (const child of plan.Plans ?? []) nodes(child, found);
  return found;
}

/**
 * How many ids the plan looked up in job_records: a scan by an array of ids (`id = ANY(ARRAY(…))`, an InitPlan's
 * `$n`) looks up each id the InitPlan gave; a scan by one id, one per loop.
 */
function recordProbes(plan: any): number {
  const all = nodes(plan);
  // The InitPlan is named "InitPlan n (returns $k)" and referenced as $k up to PostgreSQL 16, "InitPlan n" and
  // "(InitPlan n).col1" from 17 (PGlite's).
  const initPlanRows = (reference: string) => {
    const named = /^\(InitPlan (\d+)\)\.col1$/.exec(reference);
    const name = named ? new RegExp(`^InitPlan ${named[1]}( |$)`) : new RegExp(`\\(returns \\${reference}\\)`);
    return all.find((node) => name.test(node["Subplan Name"] ?? ""))?.["Actual Rows"] ?? 0;
  };
  return all
    .filter((node) => node["Index Name"] === "job_records_pkey")
    .reduce((sum, node) => {
      const array = /= ANY \((\$\d+|\(InitPlan \d+\)\.col1)\)/.exec(node["Index Cond"] ?? "");
      return sum + node["Actual Loops"] * (array ? initPlanRows(array[1]!) : 1);
    }, 0);
}

/**
 * The scans of the batch's rows that feed the claim's and the ack's jsonb objects: each keeps the rows whose id the
 * object of ids found in job_records holds (a `?` filter). Actual Loops 0: never run.
 */
function objectsBuilt(plan: any): any[] {
  return nodes(plan).filter((node) => ["claimed", "records_settled_rows"].includes(node["CTE Name"]) && / \? /.test(node.Filter ?? ""));
}

describe.skipIf(!url)("postgres: the drain's record writes", () => {
  const schemaName = url ? throwawaySchema(url) : "";
  const schema = resolveSchema(schemaName || "unused");
  const records = recordSql(schema, { messageRows: true });
  let pool: pg.Pool;
  let executor: SqlExecutor;
  let backend: PostgresBackend;
  beforeAll(async () => {
    backend = await createPostgresBackend({ connectionString: url!, schema: schemaName, maxConnections: 2 });
    await (backend.recordStore!() as unknown as { ready(): Promise<void> }).ready();
    pool = new pg.Pool({ connectionString: url!, max: 3 });
    executor = createPgExecutor(pool, { ownsPool: false });
    // Finished records of earlier jobs, as a server that has run for a while keeps: the lookups by id go through the index.
    await pool.query(
      `INSERT INTO "${schemaName}".job_records (id, job, queue, state, attempt, enqueued_at, finished_at, expires_at)
       SELECT 'earlier-' || n, 'DrainJob', 'earlier', 'succeeded', 1, 0, n, now() + interval '1 day' FROM generate_series(1, 5000) AS n`,
    );
    await pool.query(`ANALYZE "${schemaName}".job_records`);
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await backend?.close();
  });

  const enqueue = (queue: string, count: number) => enqueueWithRecords(executor, schema, queue, count);
  const leased = (queue: string) => pool.query<{ seq: string; id: string; attempts: number }>(`SELECT seq::text, id, attempts FROM "${schemaName}".messages WHERE queue = $1 AND attempts > 0 ORDER BY seq`, [queue]);
  const succeeded = (queue: string, rows: { seq: string; id: string; attempts: number }[]): AckItem[] =>
    rows.map((row) => ({ seq: row.seq, attempts: row.attempts, record: { id: row.id, job: "DrainJob", queue, state: "succeeded", attempt: 1, enqueuedAt: 0, finishedAt: Date.now(), result: "1", ttlMs: dayMs } }));

  it("the claim looks each claimed job's record up in job_records once, and the ack inserts finished records without ON CONFLICT", async () => {
    const queue = "drain-statements";
    const jobs = 20;
    await enqueue(queue, jobs);
    const plans: any[] = [];
    await claimMessages(explainingExecutor(pool, plans, "run"), schema, { queue, maxMessages: jobs, leaseMs: 30_000, recordTtlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS }, records);
    const { rows } = await leased(queue);
    expect(rows).toHaveLength(jobs);
    await deleteMessages(explainingExecutor(pool, plans, "run"), schema, succeeded(queue, rows), records);
    const [claim, ack] = plans;
    expect(recordProbes(claim)).toBe(jobs);
    const inserts = nodes(ack).filter((node) => node["Node Type"] === "ModifyTable" && node.Operation === "Insert" && node["Relation Name"] === "job_records");
    expect(inserts).toHaveLength(1);
    expect(inserts[0]["Conflict Resolution"]).toBeUndefined();
    expect(recordProbes(ack)).toBe(jobs);
    // No record was in job_records: the jsonb objects of rows found there were never built.
    expect([...objectsBuilt(claim), ...objectsBuilt(ack)].map((node) => node["Actual Loops"])).toEqual([0, 0]);
    const settled = await pool.query(`SELECT state, started_at IS NOT NULL AS started, args FROM "${schemaName}".job_records WHERE queue = $1 ORDER BY id`, [queue]);
    expect(settled.rows).toHaveLength(jobs);
    for (const row of settled.rows) expect(row).toMatchObject({ state: "succeeded", started: true, args: expect.stringMatching(/^\[\d+\]$/) });
    expect((await leased(queue)).rows).toHaveLength(0);
  });

  it.each([
    ["in message rows", true],
    ["in job_records alone", false],
  ])("settles the record of the token that deleted the message, not a stale token's beside it in the same ack (records %s)", async (_, messageRows) => {
    // A worker whose lease ran out acks late, in the same batch as the job's next delivery: both tokens name the row.
    const queue = `drain-statements-stale-token-${messageRows}`;
    await enqueue(queue, 2);
    await claimMessages(executor, schema, { queue, maxMessages: 2, leaseMs: 30_000, recordTtlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS }, records);
    const { rows } = await leased(queue);
    const live = succeeded(queue, rows);
    const stale = live.map((item) => ({ ...item, attempts: item.attempts - 1, record: { ...item.record!, state: "failed" as const, error: "stale", attempt: 0 } }));
    // The stale token before the live one for one job and after it for the other: no row order can hide a wrong match.
    await deleteMessages(executor, schema, [stale[0]!, live[0]!, live[1]!, stale[1]!], recordSql(schema, { messageRows }));
    const settled = await pool.query(`SELECT id, state, attempt FROM "${schemaName}".job_records WHERE queue = $1 ORDER BY id`, [queue]);
    expect(settled.rows).toEqual(rows.map((row) => ({ id: row.id, state: "succeeded", attempt: 1 })));
    expect((await leased(queue)).rows).toHaveLength(0);
  });

  it("settles a record another transaction moved to job_records while the ack waited on it (a cancel of the running job)", async () => {
    const queue = "drain-statements-race";
    await enqueue(queue, 2);
    const claimed = await claimMessages(executor, schema, { queue, maxMessages: 2, leaseMs: 30_000, recordTtlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS }, records);
    expect(claimed.map((message) => message.record)).toEqual(["running", "running"]);
    const { rows } = await leased(queue);
    // As a cancel moves a running record out of its message row: a job_records row, running with cancel_requested.
    const cancel = await pool.connect();
    try {
      await cancel.query("BEGIN");
      await cancel.query(
        `INSERT INTO "${schemaName}".job_records (id, job, queue, state, attempt, enqueued_at, started_at, cancel_requested, expires_at) VALUES ($1, 'DrainJob', $2, 'running', 1, 0, 0, true, 'infinity')`,
        [rows[0]!.id, queue],
      );
      const ack = deleteMessages(executor, schema, succeeded(queue, rows), records);
      // The ack's insert of that id waits for the cancel's transaction; it commits once the ack is seen waiting.
      await statementWaitingOnLock(pool, "WITH deleted%", schemaName);
      await cancel.query("COMMIT");
      await ack;
    } finally {
      cancel.release();
    }
    const settled = await pool.query(`SELECT id, state, attempt FROM "${schemaName}".job_records WHERE queue = $1 ORDER BY id`, [queue]);
    expect(settled.rows).toEqual(rows.map((row) => ({ id: row.id, state: "succeeded", attempt: 1 })));
    expect((await leased(queue)).rows).toHaveLength(0);
  });

  it("leaves a cancelled record as it is and settles the others of the same ack", () =>
    ackMeetingCancelledRecord(executor, async (text, params) => (await pool.query(text, params)).rows, schemaName));

  it("builds the jsonb objects of a batch from its records kept in job_records alone (10 of 1,000)", async () => {
    const queue = "drain-statements-mixed";
    await enqueue(queue, 990);
    await enqueueWithRecords(executor, schema, `${queue}-kept`, 10, false);
    await pool.query(`UPDATE "${schemaName}".messages SET queue = $1 WHERE queue = $2`, [queue, `${queue}-kept`]);
    await pool.query(`UPDATE "${schemaName}".job_records SET queue = $1 WHERE queue = $2`, [queue, `${queue}-kept`]);
    const plans: any[] = [];
    await claimMessages(explainingExecutor(pool, plans, "run"), schema, { queue, maxMessages: 1000, leaseMs: 30_000, recordTtlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS }, records);
    const { rows } = await leased(queue);
    expect(rows).toHaveLength(1000);
    await deleteMessages(explainingExecutor(pool, plans, "run"), schema, succeeded(queue, rows), records);
    const built = plans.flatMap(objectsBuilt);
    expect(built.map((node) => [node["Actual Loops"], node["Actual Rows"]])).toEqual([
      [1, 10],
      [1, 10],
    ]);
    const settled = await pool.query(`SELECT count(*)::int AS n FROM "${schemaName}".job_records WHERE queue = $1 AND state = 'succeeded' AND started_at IS NOT NULL`, [queue]);
    expect(settled.rows[0].n).toBe(1000);
  });

  it("the claim and the ack of 1,000 jobs whose records live in job_records handle a bounded number of rows per job", async () => {
    // A plan that reads the claimed or settled rows once per record handles ~2,000,000 (the ack's did, joined).
    const handled = await drainOfRecordsKeptInJobRecords(pool, schema, "drain-statements-kept", 1000);
    expect(handled.claim).toBeLessThanOrEqual(30 * 1000);
    expect(handled.ack).toBeLessThanOrEqual(30 * 1000);
  }, 120_000);
});

describe.skipIf(!url)("postgres: the drain's record writes after vacuums found messages and job_records empty", () => {
  // A vacuum that finds a table empty and keeps its pages leaves it read as empty until the next analyze, however
  // many rows come back. Joined by id alone, job_records was then walked whole once per row for the ack's settle
  // (1,000 acks against 20,000 records: 40,051,002 rows handled, 2.7 s), and hashed once per claim. Counted, not timed.
  const schemaName = url ? throwawaySchema(url) : "";
  const schema = resolveSchema(schemaName || "unused");
  const records = recordSql(schema, { messageRows: true });
  const jobs = 1000;
  let pool: pg.Pool;
  let backend: PostgresBackend;
  beforeAll(async () => {
    backend = await createPostgresBackend({ connectionString: url!, schema: schemaName, maxConnections: 2 });
    await (backend.recordStore!() as unknown as { ready(): Promise<void> }).ready();
    pool = new pg.Pool({ connectionString: url!, max: 2 });
    const table = (name: string) => `"${schemaName}".${name}`;
    await vacuumedEmpty(pool, schemaName, ["messages", "job_records"]);
    // Records kept since, which no analyze has seen.
    await pool.query(
      `INSERT INTO ${table("job_records")} (id, job, queue, state, attempt, enqueued_at, finished_at, expires_at)
       SELECT 'earlier-' || n, 'DrainJob', 'earlier', 'succeeded', 1, 0, n, now() + interval '1 day' FROM generate_series(1, 20000) AS n`,
    );
    const { rows } = await pool.query(`SELECT relname, reltuples FROM pg_class WHERE oid IN ('${table("messages")}'::regclass, '${table("job_records")}'::regclass) ORDER BY relname`);
    expect(rows.map((row) => Number(row.reltuples))).toEqual([0, 0]);
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await backend?.close();
  });

  it("the enqueue and the ack of 1,000 jobs handle a bounded number of rows per job, not one per record kept", async () => {
    const queue = "drain-statements-stale-statistics";
    const plans: any[] = [];
    await enqueueWithRecords(explainingExecutor(pool, plans, "run"), schema, queue, jobs);
    await claimMessages(explainingExecutor(pool, [], "run"), schema, { queue, maxMessages: jobs, leaseMs: 30_000, recordTtlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS }, records);
    const rows = (await pool.query<{ seq: string; id: string; attempts: number }>(`SELECT seq::text, id, attempts FROM "${schemaName}".messages WHERE queue = $1 AND attempts > 0`, [queue])).rows;
    expect(rows).toHaveLength(jobs);
    await deleteMessages(explainingExecutor(pool, plans, "run"), schema, rows.map((row) => ({ seq: row.seq, attempts: row.attempts, record: { id: row.id, job: "DrainJob", queue, state: "succeeded", attempt: 1, enqueuedAt: 0, finishedAt: Date.now(), result: "1", ttlMs: dayMs } })), records);

    expect(plans).toHaveLength(2);
    for (const plan of plans) expect(rowsHandled(plan)).toBeLessThanOrEqual(20 * jobs);
    const settled = await pool.query(`SELECT count(*)::int AS succeeded FROM "${schemaName}".job_records WHERE queue = $1 AND state = 'succeeded'`, [queue]);
    expect(settled.rows[0].succeeded).toBe(jobs);
  }, 120_000);

  it("the claim and the ack of 1,000 jobs whose records live in job_records handle a bounded number of rows per job", async () => {
    // Joined, the claim hashed a walk of job_records and read the claimed rows once per record (2,071,001 rows), and
    // the ack read the settled rows once per record (4,016,002).
    const handled = await drainOfRecordsKeptInJobRecords(pool, schema, "drain-statements-stale-statistics-kept", jobs);
    expect(handled.claim).toBeLessThanOrEqual(20 * jobs);
    expect(handled.ack).toBeLessThanOrEqual(20 * jobs);
  }, 120_000);
});

/**
 * 1,000 jobs whose records live in job_records, claimed and acked: the claim starts each record there and the ack
 * settles it there (updates, no inserts). Each statement's rows handled, counted under EXPLAIN ANALYZE.
 */
async function drainOfRecordsKeptInJobRecords(pool: pg.Pool, schema: PostgresSchema, queue: string, jobs: number): Promise<{ claim: number; ack: number }> {
  const records = recordSql(schema, { messageRows: true });
  const executor = createPgExecutor(pool, { ownsPool: false });
  const table = (name: string) => `${schema.quoted}.${name}`;
  await enqueueWithRecords(executor, schema, queue, jobs, false);
  // Each job its own count of earlier deliveries (0 to 6), so an attempt taken from another job's row shows.
  await pool.query(`UPDATE ${table("messages")} SET attempts = substring(id from '[0-9]+$')::int % 7 WHERE queue = $1`, [queue]);
  const plans: any[] = [];
  const claimed = await claimMessages(explainingExecutor(pool, plans, "run"), schema, { queue, maxMessages: jobs, leaseMs: 30_000, recordTtlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS }, records);
  expect(claimed).toEqual([]); // the explaining executor answers no rows
  const rows = (await pool.query<{ seq: string; id: string; attempts: number }>(`SELECT seq::text, id, attempts FROM ${table("messages")} WHERE queue = $1 AND locked_until IS NOT NULL`, [queue])).rows;
  expect(rows).toHaveLength(jobs);
  const started = await pool.query(
    `SELECT count(*)::int AS n FROM ${table("job_records")} WHERE queue = $1 AND state = 'running' AND attempt = substring(id from '[0-9]+$')::int % 7 + 1 AND started_at IS NOT NULL`,
    [queue],
  );
  expect(started.rows[0].n).toBe(jobs);
  const settled = (row: { seq: string; id: string; attempts: number }): AckItem => ({
    seq: row.seq,
    attempts: row.attempts,
    record: { id: row.id, job: "DrainJob", queue, state: "succeeded", attempt: row.attempts, enqueuedAt: 0, finishedAt: Date.now(), result: JSON.stringify(`result of ${row.id}`), ttlMs: dayMs },
  });
  await deleteMessages(explainingExecutor(pool, plans, "run"), schema, rows.map(settled), records);
  expect(plans).toHaveLength(2);
  const written = await pool.query(
    `SELECT count(*)::int AS n FROM ${table("job_records")}
     WHERE queue = $1 AND state = 'succeeded' AND attempt = substring(id from '[0-9]+$')::int % 7 + 1 AND result = '"result of ' || id || '"'
       AND started_at IS NOT NULL AND args = '[' || substring(id from '[0-9]+$') || ']'`,
    [queue],
  );
  expect(written.rows[0].n).toBe(jobs);
  return { claim: rowsHandled(plans[0]), ack: rowsHandled(plans[1]) };
}

// PGlite has one connection, so no other transaction can insert a record while an ack runs; a record the ack's
// plain insert meets anyway (cancelled, left alone) takes the same fallback there.
describe("pglite: the drain's record writes", () => {
  it("leaves a cancelled record as it is and settles the others of the same ack", async () => {
    const database = new PGlite();
    const backend = await createPostgresBackend({ pglite: database, schema: "hopper" });
    try {
      await (backend.recordStore!() as unknown as { ready(): Promise<void> }).ready();
      await ackMeetingCancelledRecord(createPGliteExecutor(database, { ownsDatabase: false }), async (text, params) => (await database.query(text, params)).rows as any[], "hopper");
    } finally {
      await backend.close();
      await database.close();
    }
  });
});

/**
 * Three jobs claimed, one of them with a cancelled job_records row, all acked `succeeded` in one ack: that one stays
 * cancelled, the others settle, and no statement fails on the way (a failed statement costs pg-pool its connection).
 */
async function ackMeetingCancelledRecord(executor: SqlExecutor, query: (text: string, params?: unknown[]) => Promise<any[]>, schemaName: string): Promise<void> {
  const schema = resolveSchema(schemaName);
  const records = recordSql(schema, { messageRows: true });
  const queue = "drain-statements-cancelled";
  const now = Date.now();
  await enqueueWithRecords(executor, schema, queue, 3);
  await claimMessages(executor, schema, { queue, maxMessages: 3, leaseMs: 30_000, recordTtlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS }, records);
  const leased = () => query(`SELECT seq::text AS seq, id, attempts FROM "${schemaName}".messages WHERE queue = $1 AND attempts > 0 ORDER BY seq`, [queue]);
  const rows = (await leased()) as { seq: string; id: string; attempts: number }[];
  expect(rows).toHaveLength(3);
  await query(`INSERT INTO "${schemaName}".job_records (id, job, queue, state, attempt, enqueued_at, finished_at, expires_at) VALUES ($1, 'DrainJob', $2, 'cancelled', 1, 0, 5, 'infinity')`, [rows[1]!.id, queue]);
  let failedStatements = 0;
  const counting = {
    query: (text: string, params?: readonly unknown[], options?: { replan?: boolean }) =>
      executor.query(text, params, options).catch((error: unknown) => {
        failedStatements += 1;
        throw error;
      }),
  } as SqlExecutor;
  await deleteMessages(
    counting,
    schema,
    rows.map((row) => ({ seq: row.seq, attempts: row.attempts, record: { id: row.id, job: "DrainJob", queue, state: "succeeded", attempt: 1, enqueuedAt: now, finishedAt: Date.now(), result: "1", ttlMs: dayMs } })),
    records,
  );
  const settled = await query(`SELECT id, state FROM "${schemaName}".job_records WHERE queue = $1 ORDER BY id`, [queue]);
  expect(settled).toEqual(rows.map((row, index) => ({ id: row.id, state: index === 1 ? "cancelled" : "succeeded" })));
  expect(await leased()).toHaveLength(0);
  expect(failedStatements).toBe(0);
}

/**
 * `count` jobs enqueued with their records in their message rows, as the backend's enqueue writes them; with
 * `messageRows` false, in job_records rows (as a release before migration 5 wrote them, and where a progress report
 * or a cancel moves a record).
 */
async function enqueueWithRecords(executor: SqlExecutor, schema: PostgresSchema, queue: string, count: number, messageRows = true): Promise<void> {
  const now = Date.now();
  await enqueueMessages(
    executor,
    schema,
    Array.from({ length: count }, (_, n) => ({
      id: `${queue}-${n}`,
      queue,
      body: "{}",
      record: { id: `${queue}-${n}`, job: "DrainJob", queue, enqueuedAt: now, runAt: null, ttlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS, args: `[${n}]` },
    })),
    recordSql(schema, { messageRows }),
  );
}

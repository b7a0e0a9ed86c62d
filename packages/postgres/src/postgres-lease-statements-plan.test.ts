// The statements that act on leased messages by token (ack, lease extension, release) must find their rows
// through the primary key whatever the planner believes about the table. A vacuum that finds `messages`
// empty leaves reltuples = 0 with its pages kept; until the next analyze the planner then takes the table
// for one row and, given a join on unnest() alone, scanned the whole primary key once per batch: drains
// fell from ~27,000 to ~3,000 jobs/s on the bench's reused server (benchmarks/results/records-quiet-2026-12-04.md).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresBackend, type PostgresBackend } from "./postgres-backend.js";
import { resolveSchema } from "./postgres-schema.js";
import { deleteMessages } from "./operations/delete-messages.js";
import { extendLeases } from "./operations/extend-leases.js";
import { releaseMessages } from "./operations/release-messages.js";
import { recordSql } from "./postgres-record-sql.js";
import { explainingExecutor, rowsHandled } from "./test-plan-logging.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

/** Every scan in a plan that reads `messages` or one of its indexes: the node and the index it uses, if any. */
function messageScans(plan: any, found: { node: string; index?: string }[] = []): { node: string; index?: string }[] {
  const index: string | undefined = plan["Index Name"];
  if (index?.startsWith("messages_") || (plan["Relation Name"] === "messages" && /Scan/.test(plan["Node Type"]) && !/Bitmap Heap/.test(plan["Node Type"]))) found.push({ node: plan["Node Type"], index });
  for (const child of plan.Plans ?? []) messageScans(child, found);
  return found;
}

describe.skipIf(!url)("postgres: statements on leased messages after a vacuum found the table empty", () => {
  const schema = url ? throwawaySchema(url) : "";
  let pool: pg.Pool;
  let backend: PostgresBackend;
  beforeAll(async () => {
    backend = await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2 });
    // job_records, for the acks that settle records.
    await (backend.recordStore!() as unknown as { ready(): Promise<void> }).ready();
    pool = new pg.Pool({ connectionString: url!, max: 1 });
    const table = `"${schema}".messages`;
    // Pages kept, rows gone, then a vacuum: reltuples 0 with relpages > 0, as on a busy server between analyzes.
    // No autovacuum or autoanalyze may mend the statistics before the tests read them (review of 2cc31b4).
    await pool.query(`ALTER TABLE ${table} SET (vacuum_truncate = off, autovacuum_enabled = off)`);
    await pool.query(`INSERT INTO ${table} (id, queue, body, run_at) SELECT 'filler-' || n, 'filler', repeat('x', 200), now() FROM generate_series(1, 100000) AS n`);
    await pool.query(`DELETE FROM ${table}`);
    await pool.query(`VACUUM ${table}`);
    const [stats] = (await pool.query(`SELECT reltuples, relpages FROM pg_class WHERE oid = '${table}'::regclass`)).rows;
    expect(Number(stats.reltuples)).toBe(0);
    expect(Number(stats.relpages)).toBeGreaterThan(10);
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await backend?.close();
  });

  it("ack, lease extension and release each scan messages by the primary key", async () => {
    const plans: unknown[] = [];
    const executor = explainingExecutor(pool, plans, "plan");
    const resolved = resolveSchema(schema);
    const tokens = [{ seq: "1", attempts: 1 }, { seq: "2", attempts: 1 }];
    await deleteMessages(executor, resolved, tokens);
    await extendLeases(executor, resolved, tokens.map((token) => ({ ...token, leaseMs: 30_000 })));
    await releaseMessages(executor, resolved, tokens.map((token) => ({ ...token, delayMs: 0 })));
    expect(plans).toHaveLength(3);
    for (const plan of plans) {
      const scans = messageScans(plan);
      expect(scans.length).toBeGreaterThan(0);
      // The index's name, not only a condition on seq: messages_due_idx (queue, priority, run_at, seq) also takes
      // `seq = ANY(...)`, as a full scan of the index, and the planner takes it when it believes the table empty.
      for (const scan of scans) expect(scan).toEqual({ node: expect.stringMatching(/Index Scan/), index: "messages_pkey" });
    }
  });

  it("ack (with and without records), lease extension and release handle a bounded number of rows per token, not one per token pair", async () => {
    // Joined with the token list, each statement read the whole list once per row the planner expected to be one:
    // 999,000 rows removed by a join filter, ~220 ms, for 1,000 acks (benchmarks/results/postgres-token-lookup-2026-12-05.md).
    const table = `"${schema}".messages`;
    // A queue that has filled again since, and 1,000 leased jobs.
    await pool.query(`INSERT INTO ${table} (id, queue, body) SELECT 'left-' || n, 'leftover', repeat('x', 100) FROM generate_series(1, 20000) AS n`);
    const tokens: { seq: string; attempts: number }[] = (
      await pool.query(
        `INSERT INTO ${table} (id, queue, body, attempts, locked_until, run_at)
         SELECT 'leased-' || n, 'acked', 'x', 1, now() + interval '1 hour', now() + interval '1 hour' FROM generate_series(1, 1000) AS n
         RETURNING seq::text AS seq, attempts`,
      )
    ).rows;
    // Still read as empty: on healthy statistics the old join handled ~6 rows per token and would pass the bound.
    const [stats] = (await pool.query(`SELECT reltuples FROM pg_class WHERE oid = '${table}'::regclass`)).rows;
    expect(Number(stats.reltuples)).toBe(0);
    // A stale token beside its live one (the same message, an earlier delivery), as a worker's batch can hold.
    const withStale = [...tokens, { seq: tokens[0]!.seq, attempts: 0 }];
    const record = (id: string) => ({ id, job: "Acked", queue: "acked", enqueuedAt: 1, state: "succeeded" as const, attempt: 1, finishedAt: 2, ttlMs: 60_000 });
    const plans: unknown[] = [];
    const executor = explainingExecutor(pool, plans, "rolled back");
    const resolved = resolveSchema(schema);
    await deleteMessages(executor, resolved, withStale);
    await deleteMessages(executor, resolved, withStale.map((token, index) => ({ ...token, record: record(`job-${index}`) })), recordSql(resolved, { messageRows: false }));
    await deleteMessages(executor, resolved, withStale.map((token, index) => ({ ...token, record: record(`job-${index}`) })), recordSql(resolved, { messageRows: true }));
    await extendLeases(executor, resolved, withStale.map((token) => ({ ...token, leaseMs: 30_000 })));
    await releaseMessages(executor, resolved, withStale.map((token) => ({ ...token, delayMs: 0 })));

    expect(plans).toHaveLength(5);
    const handled = plans.map(rowsHandled);
    for (const rows of handled) expect(rows).toBeLessThanOrEqual(20 * tokens.length);
    // Each statement did act on the 1,000 live tokens: its modifying node returned them.
    expect(plans.map((plan) => actedOn(plan))).toEqual([1000, 1000, 1000, 1000, 1000]);
  }, 60_000);
});

/** Rows the plan's DELETE or UPDATE on messages returned. */
function actedOn(plan: any): number | undefined {
  if (/^(Delete|Update)$/.test(plan.Operation ?? "") && plan["Relation Name"] === "messages") return plan["Actual Rows"];
  for (const child of plan.Plans ?? []) {
    const found = actedOn(child);
    if (found !== undefined) return found;
  }
  return undefined;
}

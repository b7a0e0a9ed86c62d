// The statements that act on leased messages by token (ack, lease extension, release) must reach their rows
// through the primary key after the table has changed under statistics that said it was empty. Sent as named
// statements, a connection could keep a generic plan made while the table was empty (a sequential scan) and
// reuse it once tens of thousands of rows had come back: 311-568 ms per ack after an overload step
// (benchmarks/results/postgres-overload-recovery-2026-12-04.md, issue #18). Counted from the table's and its
// indexes' scan counters: no timing. The counters are this throwaway table's own, not server-wide.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresBackend } from "./postgres-backend.js";
import { createPgExecutor, type SqlExecutor } from "./postgres-executor.js";
import { resolveSchema, type PostgresSchema } from "./postgres-schema.js";
import { deleteMessages } from "./operations/delete-messages.js";
import { extendLeases } from "./operations/extend-leases.js";
import { releaseMessages } from "./operations/release-messages.js";
import { claimMessages } from "./operations/claim-messages.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();
const TOKENS = 300;

interface ScanCounts {
  seqScans: number;
  pkeyScans: number;
  dueIndexScans: number;
}

describe.skipIf(!url)("postgres: statements on leased messages keep the primary key when the statistics went stale", () => {
  const schema = url ? throwawaySchema(url) : "";
  const table = `"${schema}".messages`;
  let setup: pg.Pool;
  // One connection, as a worker's busy pool connection that runs the same statement many times.
  let workerPool: pg.Pool;
  let executor: SqlExecutor;
  let resolved: PostgresSchema;

  beforeAll(async () => {
    setup = new pg.Pool({ connectionString: url!, max: 1 });
    await migrateAndAwaitExit();
    workerPool = new pg.Pool({ connectionString: url!, max: 1 });
    executor = createPgExecutor(workerPool, { ownsPool: true });
    resolved = resolveSchema(schema);
    await setup.query(`ALTER TABLE ${table} SET (autovacuum_enabled = off)`);
  }, 60_000);
  afterAll(async () => {
    await executor?.close();
    await setup?.end();
  });

  /**
   * Creates the schema, then waits until the connections that did it have ended. Building an index counts as a
   * sequential scan of its table, and a connection reports its counts when it ends, which on a loaded machine came
   * after a test's first reading: 2 sequential scans that no statement under test made (CI of stop 46).
   */
  async function migrateAndAwaitExit(): Promise<void> {
    const migrator = new URL(url!);
    migrator.searchParams.set("application_name", `migrate-${schema}`);
    await (await createPostgresBackend({ connectionString: migrator.toString(), schema, maxConnections: 2 })).close();
    for (let wait = 0; wait < 600; wait++) {
      const { rows } = await setup.query("SELECT count(*)::int AS open FROM pg_stat_activity WHERE application_name = $1", [`migrate-${schema}`]);
      if (rows[0].open === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error("the migrating connections did not end within 30 s");
  }

  /** Scan counters of `messages` after both connections' pending statistics are flushed. */
  async function scanCounts(): Promise<ScanCounts> {
    // Flushed when this statement's transaction ends, on the worker's own (only) connection, and on the setup
    // connection, whose deletes and updates scan the table and would otherwise be counted whenever it next reports.
    await workerPool.query("SELECT pg_stat_force_next_flush()");
    await setup.query("SELECT pg_stat_force_next_flush()");
    await setup.query("SELECT pg_stat_clear_snapshot()");
    const [row] = (
      await setup.query(
        `SELECT t.seq_scan,
                (SELECT idx_scan FROM pg_stat_user_indexes WHERE relid = t.relid AND indexrelname = 'messages_pkey') AS pkey,
                (SELECT idx_scan FROM pg_stat_user_indexes WHERE relid = t.relid AND indexrelname = 'messages_due_idx') AS due
         FROM pg_stat_user_tables t WHERE t.relid = '${table}'::regclass`,
      )
    ).rows;
    return { seqScans: Number(row.seq_scan), pkeyScans: Number(row.pkey), dueIndexScans: Number(row.due) };
  }

  /** Leased messages of the acked queue: seq and lease token. */
  async function leased(count: number): Promise<{ seq: string; attempts: number }[]> {
    const { rows } = await setup.query(
      `INSERT INTO ${table} (id, queue, body, attempts, locked_until, run_at)
       SELECT 'leased-' || n, 'acked', 'x', 1, now() + interval '1 hour', now() + interval '1 hour' FROM generate_series(1, $1::int) AS n
       RETURNING seq::text AS seq, attempts`,
      [count],
    );
    return rows;
  }

  /** Extends every token's lease, releases the first half and acks the rest, as a worker does. */
  async function actOn(tokens: { seq: string; attempts: number }[]): Promise<void> {
    await extendLeases(executor, resolved, tokens.map((token) => ({ ...token, leaseMs: 60_000 })));
    const half = tokens.length / 2;
    await releaseMessages(executor, resolved, tokens.slice(0, half).map((token) => ({ ...token, delayMs: 60_000 })));
    await deleteMessages(executor, resolved, tokens.slice(half));
  }

  it("after statistics taken on an empty table, with tens of thousands of rows back: no sequential scan, no due-index scan", async () => {
    await setup.query(`VACUUM ANALYZE ${table}`);
    // More than 5 runs of each statement on one connection while the table is small (stale tokens: nothing changes).
    const tokens = await leased(TOKENS);
    for (let run = 0; run < 8; run++) await actOn(tokens.map((token) => ({ ...token, attempts: 2 })));
    await setup.query(`INSERT INTO ${table} (id, queue, body) SELECT 'left-' || n, 'leftover', repeat('x', 100) FROM generate_series(1, 30000) AS n`);

    const before = await scanCounts();
    for (let run = 0; run < 3; run++) await actOn(tokens.map((token) => ({ ...token, attempts: 2 })));
    await actOn(tokens);
    const after = await scanCounts();

    expect({ seqScans: after.seqScans - before.seqScans, dueIndexScans: after.dueIndexScans - before.dueIndexScans }).toEqual({ seqScans: 0, dueIndexScans: 0 });
    expect(after.pkeyScans - before.pkeyScans).toBeGreaterThanOrEqual(12);
    // The real tokens acted: half released (still there), half acked (gone).
    const [{ left }] = (await setup.query(`SELECT count(*)::int AS left FROM ${table} WHERE queue = 'acked'`)).rows;
    expect(left).toBe(TOKENS / 2);
  }, 120_000);

  it("after a vacuum that found the table empty and kept its pages (a drained queue): no due-index walk, no sequential scan", async () => {
    // Autovacuum gives a table's end back only when no one else wants the table: on a busy queue that drained, it
    // leaves 0 rows counted on thousands of pages, and the planner takes the table for empty however much it holds.
    // It then found the tokens' rows by walking the whole due index, whose last key was seq (300 acks: 342,289
    // buffers, 0.44 s; benchmarks/results/postgres-stall-2026-12-05.md). Migration 9 keys that index by (seq + 0).
    await setup.query(`DELETE FROM ${table}`);
    // Jobs that went through: each enqueued, claimed (a non-HOT update: run_at moves) and acked.
    await setup.query(`INSERT INTO ${table} (id, queue, body) SELECT 'gone-' || n, 'drained', repeat('x', 100) FROM generate_series(1, 100000) AS n`);
    await setup.query(`UPDATE ${table} SET attempts = 1, run_at = now() + interval '30 seconds', locked_until = now() + interval '30 seconds'`);
    await setup.query(`DELETE FROM ${table}`);
    await setup.query(`VACUUM (TRUNCATE false) ${table}`);
    const [{ reltuples }] = (await setup.query(`SELECT reltuples FROM pg_class WHERE oid = '${table}'::regclass`)).rows;
    expect(reltuples).toBe(0);
    await setup.query(`INSERT INTO ${table} (id, queue, body) SELECT 'left-' || n, 'leftover', repeat('x', 100) FROM generate_series(1, 20000) AS n`);
    const tokens = await leased(TOKENS);

    const before = await scanCounts();
    // A worker acks, releases and renews one job as well as a batch.
    await actOn(tokens.slice(0, 2));
    await actOn(tokens.slice(2));
    const after = await scanCounts();

    expect({ seqScans: after.seqScans - before.seqScans, dueIndexScans: after.dueIndexScans - before.dueIndexScans }).toEqual({ seqScans: 0, dueIndexScans: 0 });
    expect(after.pkeyScans - before.pkeyScans).toBeGreaterThanOrEqual(6);
    const [{ left }] = (await setup.query(`SELECT count(*)::int AS left FROM ${table} WHERE queue = 'acked'`)).rows;
    expect(left).toBe(1 + (TOKENS - 2) / 2);
  }, 120_000);

  it("has no index but the primary key that a predicate on seq can use (migration 9: the due index ends in seq + 0)", async () => {
    // On statistics that read the table as empty, the planner costs a walk of any index holding seq as cheap as a
    // primary-key probe, and took the due index for the ack's seq = ANY(...) on the bench's server (342,289 buffers for
    // 300 acks: benchmarks/results/postgres-stall-2026-12-05.md): no other index may offer seq as a key column.
    const { rows } = await setup.query(
      `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = '${table}'::regclass AND NOT i.indisprimary AND i.indpred IS NULL
         AND (SELECT attnum FROM pg_attribute WHERE attrelid = i.indrelid AND attname = 'seq') = ANY (i.indkey::int2[])`,
    );
    expect(rows.map((row) => row.name)).toEqual([]);
    const [{ definition }] = (await setup.query(`SELECT pg_get_indexdef('"${schema}".messages_due_idx'::regclass) AS definition`)).rows;
    expect(definition).toMatch(/\(queue, priority DESC, run_at, \(\(seq \+ 0\)\)\)$/);
  });

  it("claims after statistics taken on an empty table, with tens of thousands of rows back: no sequential scan", async () => {
    await setup.query(`DELETE FROM ${table}`);
    await setup.query(`VACUUM ANALYZE ${table}`);
    const claim = () => claimMessages(executor, resolved, { queue: "claimed", maxMessages: 10, leaseMs: 60_000 });
    // More than 5 claims on one connection while the table is empty.
    for (let run = 0; run < 8; run++) expect(await claim()).toEqual([]);
    await setup.query(`INSERT INTO ${table} (id, queue, body) SELECT 'left-' || n, 'leftover', repeat('x', 100) FROM generate_series(1, 30000) AS n`);
    await setup.query(`INSERT INTO ${table} (id, queue, body) SELECT 'due-' || n, 'claimed', 'x' FROM generate_series(1, 40) AS n`);

    const before = await scanCounts();
    for (let run = 0; run < 4; run++) expect(await claim()).toHaveLength(10);
    const after = await scanCounts();
    expect(after.seqScans - before.seqScans).toBe(0);
  }, 120_000);

  it("keeps no prepared token statement on the connection, so no generic plan (one that read the token list once per row) can be cached", async () => {
    const tokens = await leased(10);
    for (let run = 0; run < 8; run++) await actOn(tokens);
    // Every statement this file sends on the worker connection names the table; none may stay prepared.
    const { rows } = await workerPool.query(`SELECT statement FROM pg_prepared_statements WHERE strpos(statement, $1) > 0`, [table]);
    expect(rows.map((row) => row.statement.slice(0, 60))).toEqual([]);
  });
});

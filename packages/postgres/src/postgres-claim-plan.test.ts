// A claim must read the claim index in its order and stop after the rows it takes, whatever the planner believes
// about the queue. Statistics that predate a burst (the last ANALYZE saw many other queues, then a vacuum found the
// table empty) made the planner estimate a few dozen rows for a queue holding 20,000 and claim with a bitmap scan
// plus a sort of all of them: each claim read the whole queue (benchmarks/results/postgres-stale-stats-2026-12-04.md).
// Here that state is built on purpose, and the claim's buffers are compared with the same claim's once the
// statistics are current.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresBackend, type PostgresBackend } from "./postgres-backend.js";
import type { SqlExecutor } from "./postgres-executor.js";
import { resolveSchema } from "./postgres-schema.js";
import { claimMessages } from "./operations/claim-messages.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";
import { claimBeforeMigration6 } from "./test-fixtures/claim-before-migration-6.js";
import { createPgExecutor } from "./postgres-executor.js";

const url = postgresUrl();
const queued = 20_000;

/** The plan node that picks the rows to claim (the WITH query `claimable`). */
function claimableNode(plan: any): any {
  if (plan["Subplan Name"] === "CTE claimable") return plan;
  for (const child of plan.Plans ?? []) {
    const found = claimableNode(child);
    if (found) return found;
  }
  return undefined;
}

/** Runs each statement as EXPLAIN (ANALYZE, BUFFERS) in a transaction it rolls back, and keeps the buffers its choice of rows touched. */
function measuring(client: pg.Client, buffers: number[]): SqlExecutor {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
      await client.query("BEGIN");
      try {
        const result = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, [...params]);
        const choice = claimableNode(result.rows[0]["QUERY PLAN"][0].Plan);
        buffers.push(choice["Shared Hit Blocks"] + choice["Shared Read Blocks"]);
      } finally {
        await client.query("ROLLBACK");
      }
      return [];
    },
  } as SqlExecutor;
}

describe.skipIf(!url)("postgres: a claim planned on statistics that predate the queue", () => {
  const schema = url ? throwawaySchema(url) : "";
  const table = `"${schema}".messages`;
  let client: pg.Client;
  let backend: PostgresBackend;
  beforeAll(async () => {
    backend = await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2 });
    client = new pg.Client({ connectionString: url! });
    await client.connect();
    // Statistics of many other queues, then a vacuum of the emptied table, then a burst into a queue they never saw.
    await client.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    const body = `'{"hopper":1,"id":"00000000-0000-0000-0000-000000000000","job":"Noop","args":{}}'`;
    await client.query(`INSERT INTO ${table} (id, queue, body) SELECT 'old-' || n, 'old-' || (n % 500), ${body} FROM generate_series(1, ${queued}) AS n`);
    await client.query(`ANALYZE ${table}`);
    await client.query(`DELETE FROM ${table}`);
    await client.query(`VACUUM ${table}`);
    await client.query(`INSERT INTO ${table} (id, queue, body, run_at) SELECT 'new-' || n, 'fresh', ${body}, now() - interval '1 second' FROM generate_series(1, ${queued}) AS n`);
  }, 60_000);
  afterAll(async () => {
    await client?.end();
    await backend?.close();
  });

  it("reads about as much as the same claim on current statistics, not the whole queue", async () => {
    const buffers: number[] = [];
    const executor = measuring(client, buffers);
    const claim = () => claimMessages(executor, resolveSchema(schema), { queue: "fresh", maxMessages: 100, leaseMs: 30_000 });
    await claim();
    await client.query(`ANALYZE ${table}`);
    await claim();
    const [onStaleStatistics, onCurrentStatistics] = buffers as [number, number];
    expect(onCurrentStatistics).toBeGreaterThan(0);
    // Choosing 100 rows in the index's order reads a few index and heap pages; the queue's 20,000 rows fill hundreds.
    expect(onStaleStatistics).toBeLessThan(2 * onCurrentStatistics);
  });
});

describe.skipIf(!url)("postgres: claims of the release before migration 6 beside this release's", () => {
  const schema = url ? throwawaySchema(url) : "";
  let backend: PostgresBackend;
  let pool: pg.Pool;
  beforeAll(async () => {
    backend = await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2 });
    pool = new pg.Pool({ connectionString: url!, max: 8 });
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await backend?.close();
  });

  it("take disjoint rows of one queue: every message claimed once", async () => {
    const queue = "rolling-claims";
    const jobs = 3000;
    for (let from = 0; from < jobs; from += 1000) {
      await backend.enqueue(Array.from({ length: 1000 }, (_, index) => ({ id: `job-${from + index}`, queue, body: "{}" })));
    }
    const executor = createPgExecutor(pool, { ownsPool: false });
    const resolved = resolveSchema(schema);
    const claimedBy = new Map<string, string>();
    const repeats: string[] = [];
    const drain = async (release: "previous" | "this") => {
      for (;;) {
        const rows = release === "previous"
          ? await claimBeforeMigration6(executor, resolved, queue, 25, 60_000)
          : await claimMessages(executor, resolved, { queue, maxMessages: 25, leaseMs: 60_000 });
        if (rows.length === 0) return;
        for (const row of rows) {
          if (claimedBy.has(row.id)) repeats.push(row.id);
          claimedBy.set(row.id, release);
        }
      }
    };
    await Promise.all([drain("previous"), drain("this"), drain("previous"), drain("this")]);
    expect(repeats).toEqual([]);
    expect(claimedBy.size).toBe(jobs);
    const byRelease = [...claimedBy.values()];
    expect(byRelease.filter((release) => release === "previous").length).toBeGreaterThan(0);
    expect(byRelease.filter((release) => release === "this").length).toBeGreaterThan(0);
  });
});

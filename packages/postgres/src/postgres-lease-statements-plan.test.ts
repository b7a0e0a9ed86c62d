// The statements that act on leased messages by token (ack, lease extension, release) must find their rows
// through the primary key whatever the planner believes about the table. A vacuum that finds `messages`
// empty leaves reltuples = 0 with its pages kept; until the next analyze the planner then takes the table
// for one row and, given a join on unnest() alone, scanned the whole primary key once per batch: drains
// fell from ~27,000 to ~3,000 jobs/s on the bench's reused server (benchmarks/results/records-quiet-2026-12-04.md).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresBackend, type PostgresBackend } from "./postgres-backend.js";
import type { SqlExecutor } from "./postgres-executor.js";
import { resolveSchema } from "./postgres-schema.js";
import { deleteMessages } from "./operations/delete-messages.js";
import { extendLeases } from "./operations/extend-leases.js";
import { releaseMessages } from "./operations/release-messages.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

/** Runs each statement as EXPLAIN (nothing is changed) and keeps the plans. */
function explaining(pool: pg.Pool, plans: unknown[]): SqlExecutor {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
      const result = await pool.query(`EXPLAIN (FORMAT JSON) ${text}`, [...params]);
      plans.push(result.rows[0]["QUERY PLAN"][0].Plan);
      return [];
    },
    transaction: (work) => work(explaining(pool, plans)),
    hold: () => Promise.reject(new Error("not used")),
    close: async () => {},
  } as SqlExecutor;
}

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
    pool = new pg.Pool({ connectionString: url!, max: 1 });
    const table = `"${schema}".messages`;
    // Pages kept, rows gone, then a vacuum: reltuples 0 with relpages > 0, as on a busy server between analyzes.
    await pool.query(`ALTER TABLE ${table} SET (vacuum_truncate = off)`);
    await pool.query(`INSERT INTO ${table} (id, queue, body, run_at) SELECT 'filler-' || n, 'filler', repeat('x', 200), now() FROM generate_series(1, 5000) AS n`);
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
    const executor = explaining(pool, plans);
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
});

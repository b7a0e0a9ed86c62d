// The two other statements that read `messages` by queue must keep to messages_due_idx whatever the planner believes
// about the queue, as the claim does (postgres-claim-plan.test.ts): the next-due lookup (after every empty claim) and
// take-scheduled (delayed messages leased for a move to another backend). Each is read with auto_explain on statistics
// that predate a burst of 30,000 rows into one queue (4 priorities, a third delayed), and on a table bloated by a
// large delete without VACUUM. Before migration 7, take-scheduled read and sorted every delayed row of the queue in
// every state (its order, run_at across priorities, is not the index's), by a sequential scan on the bloated table
// (benchmarks/results/postgres-next-due-plans-2026-12-04.md).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresBackend, type PostgresBackend } from "./postgres-backend.js";
import { createClientExecutor, createPgExecutor, type SqlExecutor } from "./postgres-executor.js";
import { resolveSchema } from "./postgres-schema.js";
import { nextDueInMs } from "./operations/next-due.js";
import { takeScheduledMessages } from "./operations/take-scheduled.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";
import { planLoggingClient, plansOf } from "./test-plan-logging.js";
import { takeScheduledBeforeMigration7 } from "./test-fixtures/take-scheduled-before-migration-7.js";

const url = postgresUrl();
const WANTED = 100;
const PRIORITIES = 4;

/** The most rows any one plan node returned in one loop: a read of the whole queue shows as thousands. */
function mostRowsOfANode(plans: string): number {
  return Math.max(...[...plans.matchAll(/actual time=[\d.]+\.\.[\d.]+ rows=(\d+)/g)].map((match) => Number(match[1])));
}

/**
 * Statements sent named, as the backend's pool sends these two, and planned generically from the first run (as
 * PostgreSQL may choose after five): a generic plan is made without the queue's value.
 */
function genericPlanExecutor(client: pg.Client): SqlExecutor {
  const names = new Map<string, string>();
  return {
    ...createClientExecutor(client),
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
      if (!names.has(text)) names.set(text, `generic-${names.size}`);
      await client.query("SET LOCAL plan_cache_mode = force_generic_plan");
      return (await client.query({ name: names.get(text), text, values: [...params] })).rows as Row[];
    },
  };
}

describe.skipIf(!url)("postgres: next-due and take-scheduled plans whatever the statistics say", () => {
  const schema = url ? throwawaySchema(url) : "";
  const table = `"${schema}".messages`;
  const resolved = resolveSchema(schema);
  let client: pg.Client;
  let backend: PostgresBackend;
  beforeAll(async () => {
    backend = await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2 });
    client = await planLoggingClient(url!);
    await client.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
  }, 60_000);
  afterAll(async () => {
    await client?.end();
    await backend?.close();
  });

  /** 30,000 messages into `fresh`: priorities 0, 5, 10, 15 in turn, every third delayed, their due times interleaved across priorities. */
  const burst = () =>
    client.query(
      `INSERT INTO ${table} (id, queue, body, priority, run_at)
       SELECT 'new-' || n, 'fresh', '{}', (n % ${PRIORITIES}) * 5,
              CASE WHEN n % 3 = 0 THEN now() + interval '1 hour' + n * interval '1 ms' ELSE now() - interval '1 second' END
       FROM generate_series(1, 30000) AS n`,
    );

  /** Both statements' plans (the take rolled back), with what the take returned and the soonest delayed rows it should have. */
  async function readPlans(executor: SqlExecutor): Promise<{ nextDue: string; take: string; taken: string[]; soonest: string[] }> {
    let dueInMs: number | undefined;
    const nextDue = (await plansOf(client, async () => (dueInMs = await nextDueInMs(executor, resolved, "fresh")))).join("\n");
    expect(dueInMs).toBeGreaterThan(3_500_000);
    const expected = await client.query(`SELECT seq::text FROM ${table} WHERE queue = 'fresh' AND run_at > now() ORDER BY run_at, seq LIMIT ${WANTED}`);
    const soonest = expected.rows.map((row) => row.seq);
    let taken: string[] = [];
    const take = (
      await plansOf(client, async () => {
        taken = (await takeScheduledMessages(executor, resolved, { queue: "fresh", maxMessages: WANTED, leaseMs: 60_000 })).map((message) => message.seq);
      })
    ).join("\n");
    if (process.env.HOPPER_SHOW_PLANS) console.log(`${nextDue}\n${take}`);
    return { nextDue, take, taken, soonest };
  }

  /** Both statements as sent unnamed (planned with the queue's value), then named with a generic plan. */
  async function expectIndexPlans(): Promise<void> {
    for (const executor of [createClientExecutor(client), genericPlanExecutor(client)]) expectIndexPlansOf(await readPlans(executor));
  }

  function expectIndexPlansOf({ nextDue, take, taken, soonest }: Awaited<ReturnType<typeof readPlans>>): void {
    expect(taken).toEqual(soonest);
    for (const plans of [nextDue, take]) {
      expect(plans).toMatch(/using messages_due_idx/);
      expect(plans).not.toMatch(/Seq Scan on messages/);
      expect(plans).not.toMatch(/Bitmap (Heap|Index) Scan/);
      expect(plans).not.toMatch(/JIT:/);
    }
    // The loose scan: one index probe per priority, never a sort.
    expect(nextDue).not.toMatch(/Sort/);
    expect(mostRowsOfANode(nextDue)).toBeLessThanOrEqual(PRIORITIES + 1);
    // At most the soonest WANTED rows of each priority are read (and sorted into one order), not the queue's 10,000 delayed rows.
    expect(take).toMatch(/Index Scan using messages_due_idx/);
    expect(mostRowsOfANode(take)).toBeLessThanOrEqual(WANTED * PRIORITIES);
  }

  it("after statistics of other queues and a vacuum of the emptied table", async () => {
    await client.query(`INSERT INTO ${table} (id, queue, body) SELECT 'old-' || n, 'old-' || (n % 500), '{}' FROM generate_series(1, 20000) AS n`);
    await client.query(`ANALYZE ${table}`);
    await client.query(`DELETE FROM ${table}`);
    await client.query(`VACUUM ${table}`);
    await burst();
    await expectIndexPlans();
    // And once the statistics are current.
    await client.query(`ANALYZE ${table}`);
    await expectIndexPlans();
  }, 60_000);

  it("after statistics taken on an empty table", async () => {
    await client.query(`DELETE FROM ${table}`);
    await client.query(`VACUUM ANALYZE ${table}`);
    await burst();
    await expectIndexPlans();
  }, 60_000);

  it("on a table bloated by a large delete without VACUUM, the statistics from before it", async () => {
    await client.query(`DELETE FROM ${table}`);
    await client.query(`VACUUM ${table}`);
    await client.query(
      `INSERT INTO ${table} (id, queue, body, priority, run_at)
       SELECT 'dead-' || n, 'fresh', '{}', (n % ${PRIORITIES}) * 5, now() + interval '10 minutes' + n * interval '1 ms' FROM generate_series(1, 150000) AS n`,
    );
    await client.query(`ANALYZE ${table}`);
    await client.query(`DELETE FROM ${table}`);
    await burst();
    await expectIndexPlans();
  }, 120_000);
});

describe.skipIf(!url)("postgres: take-scheduled of the release before migration 7 beside this release's", () => {
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

  it("take disjoint delayed messages of one queue, over several priorities: every message taken once", async () => {
    const queue = "rolling-takes";
    const jobs = 3000;
    // Priorities and due times interleaved, so both statements' orders are exercised.
    await pool.query(
      `INSERT INTO "${schema}".messages (id, queue, body, priority, run_at)
       SELECT 'job-' || n, $1, '{}', (n % 3) * 5, now() + interval '1 hour' + (n % 7) * interval '1 second' FROM generate_series(1, $2::int) AS n`,
      [queue, jobs],
    );
    const executor = createPgExecutor(pool, { ownsPool: false });
    const resolved = resolveSchema(schema);
    const takenBy = new Map<string, string>();
    const repeats: string[] = [];
    const drain = async (release: "previous" | "this") => {
      for (;;) {
        const rows = release === "previous"
          ? await takeScheduledBeforeMigration7(executor, resolved, queue, 25, 60_000)
          : await takeScheduledMessages(executor, resolved, { queue, maxMessages: 25, leaseMs: 60_000 });
        if (rows.length === 0) return;
        for (const row of rows) {
          if (takenBy.has(row.id)) repeats.push(row.id);
          takenBy.set(row.id, release);
        }
      }
    };
    await Promise.all([drain("previous"), drain("this"), drain("previous"), drain("this")]);
    expect(repeats).toEqual([]);
    expect(takenBy.size).toBe(jobs);
    const byRelease = [...takenBy.values()];
    expect(byRelease.filter((release) => release === "previous").length).toBeGreaterThan(0);
    expect(byRelease.filter((release) => release === "this").length).toBeGreaterThan(0);
  });
});

describe.skipIf(!url)("postgres: take-scheduled on a schema not migrated to version 7", () => {
  const schema = url ? throwawaySchema(url) : "";
  it("is refused with an error that names migrate()", async () => {
    await (await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2 })).close();
    const admin = new pg.Client({ connectionString: url! });
    await admin.connect();
    await admin.query(`DROP FUNCTION "${schema}".take_scheduled_messages(text, integer, double precision)`);
    await admin.query(`DELETE FROM "${schema}".migrations WHERE version >= 7`);
    await admin.end();
    const behind = await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2, migrate: false });
    try {
      await expect(behind.takeScheduled!({ queue: "q", maxMessages: 1, leaseMs: 30_000 })).rejects.toThrow(/not migrated to version 7.*migrate\(\)/);
    } finally {
      await behind.close();
    }
  });
});

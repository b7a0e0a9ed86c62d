// The two other statements that read `messages` by queue must keep to messages_due_idx whatever the planner believes
// about the queue, as the claim does (postgres-claim-plan.test.ts): the next-due lookup (after every empty claim) and
// take-scheduled (delayed messages leased for a move to another backend). Each is read with auto_explain on statistics
// that predate a burst of 30,000 rows into one queue (4 priorities, a third delayed), and on a table bloated by a
// large delete without VACUUM. Before migration 7, take-scheduled read and sorted every delayed row of the queue in
// every state (its order, run_at across priorities, is not the index's), by a sequential scan on the bloated table
// (benchmarks/results/postgres-next-due-plans-2026-12-04.md).
import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { createPostgresBackend } from "./postgres-backend.js";
import { createClientExecutor, createPgExecutor, type SqlExecutor } from "./postgres-executor.js";
import { resolveSchema } from "./postgres-schema.js";
import { nextDueInMs } from "./operations/next-due.js";
import { takeScheduledMessages } from "./operations/take-scheduled.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";
import { planTable, plansOf } from "./test-plan-logging.js";
import { takeScheduledBeforeMigration7 } from "./test-fixtures/take-scheduled-before-migration-7.js";
import { backendBeforeMigration, expectEachTakenOnceSideBySide, sharedSchema } from "./test-rolling-releases.js";

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
  const setup = planTable(url);
  const { table, schema: resolved } = setup;

  /** 30,000 messages into `fresh`: priorities 0, 5, 10, 15 in turn, every third delayed, their due times interleaved across priorities. */
  const burst = () =>
    setup.client.query(
      `INSERT INTO ${table} (id, queue, body, priority, run_at)
       SELECT 'new-' || n, 'fresh', '{}', (n % ${PRIORITIES}) * 5,
              CASE WHEN n % 3 = 0 THEN now() + interval '1 hour' + n * interval '1 ms' ELSE now() - interval '1 second' END
       FROM generate_series(1, 30000) AS n`,
    );

  /** Both statements' plans (the take rolled back), with what the take returned and the soonest delayed rows it should have. */
  async function readPlans(executor: SqlExecutor): Promise<{ nextDue: string; take: string; taken: string[]; soonest: string[] }> {
    let dueInMs: number | undefined;
    const nextDue = (await plansOf(setup.client, async () => (dueInMs = await nextDueInMs(executor, resolved, "fresh")))).join("\n");
    expect(dueInMs).toBeGreaterThan(3_500_000);
    const expected = await setup.client.query(`SELECT seq::text FROM ${table} WHERE queue = 'fresh' AND run_at > now() ORDER BY run_at, seq LIMIT ${WANTED}`);
    const soonest = expected.rows.map((row) => row.seq);
    let taken: string[] = [];
    const take = (
      await plansOf(setup.client, async () => {
        taken = (await takeScheduledMessages(executor, resolved, { queue: "fresh", maxMessages: WANTED, leaseMs: 60_000 })).map((message) => message.seq);
      })
    ).join("\n");
    if (process.env.HOPPER_SHOW_PLANS) console.log(`${nextDue}\n${take}`);
    return { nextDue, take, taken, soonest };
  }

  /** Both statements as sent unnamed (planned with the queue's value), then named with a generic plan. */
  async function expectIndexPlans(): Promise<void> {
    for (const executor of [createClientExecutor(setup.client), genericPlanExecutor(setup.client)]) expectIndexPlansOf(await readPlans(executor));
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
    await setup.client.query(`INSERT INTO ${table} (id, queue, body) SELECT 'old-' || n, 'old-' || (n % 500), '{}' FROM generate_series(1, 20000) AS n`);
    await setup.client.query(`ANALYZE ${table}`);
    await setup.client.query(`DELETE FROM ${table}`);
    await setup.client.query(`VACUUM ${table}`);
    await burst();
    await expectIndexPlans();
    // And once the statistics are current.
    await setup.client.query(`ANALYZE ${table}`);
    await expectIndexPlans();
  }, 60_000);

  it("after statistics taken on an empty table", async () => {
    await setup.client.query(`DELETE FROM ${table}`);
    await setup.client.query(`VACUUM ANALYZE ${table}`);
    await burst();
    await expectIndexPlans();
  }, 60_000);

  it("on a table bloated by a large delete without VACUUM, the statistics from before it", async () => {
    await setup.client.query(`DELETE FROM ${table}`);
    await setup.client.query(`VACUUM ${table}`);
    await setup.client.query(
      `INSERT INTO ${table} (id, queue, body, priority, run_at)
       SELECT 'dead-' || n, 'fresh', '{}', (n % ${PRIORITIES}) * 5, now() + interval '10 minutes' + n * interval '1 ms' FROM generate_series(1, 150000) AS n`,
    );
    await setup.client.query(`ANALYZE ${table}`);
    await setup.client.query(`DELETE FROM ${table}`);
    await burst();
    await expectIndexPlans();
  }, 120_000);

  it("the next-due lookup after a VACUUM found the table nearly empty, its due index bloated by earlier updates", async () => {
    await setup.client.query(`DELETE FROM ${table}`);
    await setup.client.query(`VACUUM ${table}`);
    // Every update of run_at adds an entry to messages_due_idx; the VACUUM after the delete frees them, the index keeps its pages.
    await setup.client.query(`INSERT INTO ${table} (id, queue, body) SELECT 'old-' || n, 'old', repeat('x', 200) FROM generate_series(1, 100000) AS n`);
    for (let update = 0; update < 3; update++) await setup.client.query(`UPDATE ${table} SET run_at = run_at + interval '1 second'`);
    await setup.client.query(`DELETE FROM ${table}`);
    await setup.client.query(`VACUUM ${table}`);
    await setup.client.query(`INSERT INTO ${table} (id, queue, body) SELECT 'gone-' || n, 'old', repeat('x', 200) FROM generate_series(1, 11000) AS n`);
    await setup.client.query(`ANALYZE ${table}`);
    await setup.client.query(`DELETE FROM ${table}`);
    // A few delayed messages at the table's end, so the VACUUM keeps its pages and counts 5 rows.
    await setup.client.query(`INSERT INTO ${table} (id, queue, body, priority, run_at) SELECT 'new-' || n, 'fresh', '{}', (n % 2) * 5, now() + interval '1 hour' + n * interval '1 s' FROM generate_series(1, 5) AS n`);
    await setup.client.query(`VACUUM ${table}`);
    for (const executor of [createClientExecutor(setup.client), genericPlanExecutor(setup.client)]) {
      let dueInMs: number | undefined;
      const plans = (await plansOf(setup.client, async () => (dueInMs = await nextDueInMs(executor, resolved, "fresh")))).join("\n");
      expect(dueInMs).toBeGreaterThan(3_500_000);
      expect(plans).toMatch(/Index Only Scan using messages_due_idx/);
      expect(plans).not.toMatch(/Seq Scan on messages/);
      expect(plans).not.toMatch(/Sort/);
    }
  }, 120_000);
});

describe.skipIf(!url)("postgres: take-scheduled of the release before migration 7 beside this release's", () => {
  const shared = sharedSchema(url);

  it("take disjoint delayed messages of one queue, over several priorities: every message taken once", async () => {
    const queue = "rolling-takes";
    const jobs = 3000;
    const { executor, schema } = shared;
    // Priorities and due times interleaved, so both statements' orders are exercised.
    await shared.pool.query(
      `INSERT INTO ${schema.quoted}.messages (id, queue, body, priority, run_at)
       SELECT 'job-' || n, $1, '{}', (n % 3) * 5, now() + interval '1 hour' + (n % 7) * interval '1 second' FROM generate_series(1, $2::int) AS n`,
      [queue, jobs],
    );
    await expectEachTakenOnceSideBySide(jobs, (release) =>
      release === "previous"
        ? takeScheduledBeforeMigration7(executor, schema, queue, 25, 60_000)
        : takeScheduledMessages(executor, schema, { queue, maxMessages: 25, leaseMs: 60_000 }),
    );
  });
});

describe.skipIf(!url)("postgres: a worker of this release on a schema not migrated to version 7", () => {
  const schema = url ? throwawaySchema(url) : "";
  it("is refused its takes of delayed messages with an error that names migrate(); its next-due lookups answer as before", async () => {
    const behind = await backendBeforeMigration(url!, schema, 7);
    const pool = new pg.Pool({ connectionString: url!, max: 1 });
    try {
      await expect(behind.takeScheduled!({ queue: "q", maxMessages: 1, leaseMs: 30_000 })).rejects.toThrow(/not migrated to version 7.*migrate\(\)/);
      await pool.query(`INSERT INTO "${schema}".messages (id, queue, body, run_at) VALUES ('later', 'q', '{}', now() + interval '1 hour')`);
      const executor = createPgExecutor(pool, { ownsPool: false });
      for (let lookup = 0; lookup < 2; lookup++) expect(await nextDueInMs(executor, resolveSchema(schema), "q")).toBeGreaterThan(3_500_000);
    } finally {
      await pool.end();
      await behind.close();
    }
  });

  const later = url ? throwawaySchema(url) : "";
  it("takes the function up once it exists, a minute after the lookup found it missing (a worker started before its migration)", async () => {
    const behind = await backendBeforeMigration(url!, later, 7);
    const pool = new pg.Pool({ connectionString: url!, max: 1 });
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const executor = createPgExecutor(pool, { ownsPool: false });
      const resolved = resolveSchema(later);
      expect(await nextDueInMs(executor, resolved, "q")).toBeUndefined();
      // Stands in for migration 7's function: its answer tells which was called.
      await pool.query(`CREATE FUNCTION "${later}".next_due_in_ms(queue_name text) RETURNS double precision LANGUAGE sql AS 'SELECT 42::float8'`);
      expect(await nextDueInMs(executor, resolved, "q"), "within the minute: the statement").toBeUndefined();
      vi.setSystemTime(Date.now() + 61_000);
      expect(await nextDueInMs(executor, resolved, "q"), "after it: the function").toBe(42);
    } finally {
      vi.useRealTimers();
      await pool.end();
      await behind.close();
    }
  });
});

describe.skipIf(!url)("postgres: a role without EXECUTE on next_due_in_ms()", () => {
  const schema = url ? throwawaySchema(url) : "";
  it("still gets its next-due answer (the statement itself), not a lookup that fails on every empty claim", async () => {
    await (await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2 })).close();
    const role = `hopper_noexec_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: url! });
    await admin.connect();
    const limitedUrl = new URL(url!);
    limitedUrl.username = role;
    limitedUrl.password = "noexec";
    const pool = new pg.Pool({ connectionString: limitedUrl.toString(), max: 1 });
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'noexec'`);
      await admin.query(`GRANT USAGE ON SCHEMA "${schema}" TO ${role}`);
      await admin.query(`GRANT SELECT ON "${schema}".messages TO ${role}`);
      await admin.query(`REVOKE EXECUTE ON FUNCTION "${schema}".next_due_in_ms(text) FROM PUBLIC`);
      await admin.query(`INSERT INTO "${schema}".messages (id, queue, body, run_at) VALUES ('later', 'q', '{}', now() + interval '1 hour')`);
      const executor = createPgExecutor(pool, { ownsPool: false });
      expect(await nextDueInMs(executor, resolveSchema(schema), "q")).toBeGreaterThan(3_500_000);
    } finally {
      await pool.end();
      // Its grants go with it; the schema is dropped after the file (throwawaySchema).
      await admin.query(`DROP OWNED BY ${role}`);
      await admin.query(`DROP ROLE ${role}`);
      await admin.end();
    }
  });
});

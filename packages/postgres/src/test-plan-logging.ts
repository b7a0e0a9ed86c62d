// Reading the plans a statement really gets, nested statements (a SQL function's body) included: auto_explain logs
// each to this client as a notice. No EXPLAIN of a copy of the text: the statement runs as the backend sends it.
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { createPostgresBackend, type PostgresBackend } from "./postgres-backend.js";
import type { SqlExecutor } from "./postgres-executor.js";
import { resolveSchema, type PostgresSchema } from "./postgres-schema.js";
import { throwawaySchema } from "./test-postgres-targets.js";

/** A client whose statements' plans, and those of the statements inside functions they call, come back as notices. */
export async function planLoggingClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // LOAD needs a superuser: the project's own servers (pnpm services) run the tests as one.
  await client.query("LOAD 'auto_explain'");
  for (const setting of ["auto_explain.log_min_duration = 0", "auto_explain.log_nested_statements = on", "auto_explain.log_analyze = on", "auto_explain.log_level = notice", "client_min_messages = notice"]) {
    await client.query(`SET ${setting}`);
  }
  return client;
}

/** The plans of everything `work` runs on `client`, in a transaction rolled back after. */
export async function plansOf(client: pg.Client, work: () => Promise<unknown>): Promise<string[]> {
  const plans: string[] = [];
  const onNotice = (notice: { message?: string }) => {
    if (notice.message?.includes("plan:")) plans.push(notice.message);
  };
  client.on("notice", onNotice);
  await client.query("BEGIN");
  try {
    await work();
  } finally {
    await client.query("ROLLBACK");
    client.off("notice", onNotice);
  }
  return plans;
}

export interface PlanTable {
  readonly schema: PostgresSchema;
  /** `messages`, quoted with its schema. */
  readonly table: string;
  /** Set once beforeAll ran. */
  readonly client: pg.Client;
}

/**
 * For the describe block that calls it: a throwaway schema migrated by this release, whose `messages` autovacuum
 * leaves alone (its statistics stay as the test makes them), and a plan-logging client on it.
 */
export function planTable(url: string | undefined): PlanTable {
  const name = url ? throwawaySchema(url) : "";
  const shared = { schema: resolveSchema(name || "unused"), table: `"${name}".messages` } as { -readonly [K in keyof PlanTable]: PlanTable[K] };
  let backend: PostgresBackend | undefined;
  beforeAll(async () => {
    backend = await createPostgresBackend({ connectionString: url!, schema: name, maxConnections: 2 });
    shared.client = await planLoggingClient(url!);
    await shared.client.query(`ALTER TABLE ${shared.table} SET (autovacuum_enabled = false)`);
  }, 60_000);
  afterAll(async () => {
    await shared.client?.end();
    await backend?.close();
  });
  return shared;
}

/** Rows every node of an analyzed plan (EXPLAIN (ANALYZE, FORMAT JSON)) produced or filtered away, over all its loops: the work the plan did. */
export function rowsHandled(plan: any): number {
  const loops = plan["Actual Loops"] ?? 1;
  const own = loops * ((plan["Actual Rows"] ?? 0) + (plan["Rows Removed by Filter"] ?? 0) + (plan["Rows Removed by Join Filter"] ?? 0));
  return own + (plan.Plans ?? []).reduce((sum: number, child: unknown) => sum + rowsHandled(child), 0);
}

/**
 * An executor that runs each statement under EXPLAIN (FORMAT JSON), keeps its plan in `plans` and answers no rows:
 * "plan" plans it only (nothing runs); "run" analyzes it (it runs and changes what it would); "rolled back" analyzes
 * it in a transaction it rolls back (it runs, and nothing is changed).
 */
export function explainingExecutor(pool: pg.Pool, plans: unknown[], mode: "plan" | "run" | "rolled back"): SqlExecutor {
  const explain = mode === "plan" ? "EXPLAIN (FORMAT JSON)" : "EXPLAIN (ANALYZE, FORMAT JSON)";
  const executor: SqlExecutor = {
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
      const client = await pool.connect();
      try {
        if (mode === "rolled back") await client.query("BEGIN");
        const result = await client.query(`${explain} ${text}`, [...params]);
        plans.push(result.rows[0]["QUERY PLAN"][0].Plan);
        return [];
      } finally {
        if (mode === "rolled back") await client.query("ROLLBACK");
        client.release();
      }
    },
    transaction: (work) => work(executor),
    hold: () => Promise.reject(new Error("not used")),
    close: async () => {},
  };
  return executor;
}

/**
 * Leaves the tables `names` of the schema read as empty whatever they hold next, as a vacuum that found them empty
 * and kept their pages does (until the next analyze): 100,000 rows added, deleted and vacuumed, autovacuum off.
 * `messages` and `job_records` are the tables it knows how to fill.
 */
export async function vacuumedEmpty(pool: pg.Pool, schemaName: string, names: readonly ("messages" | "job_records")[]): Promise<void> {
  const table = (name: string) => `"${schemaName}".${name}`;
  const fill = {
    messages: `INSERT INTO ${table("messages")} (id, queue, body) SELECT 'gone-' || n, 'drained', repeat('x', 100) FROM generate_series(1, 100000) AS n`,
    job_records: `INSERT INTO ${table("job_records")} (id, job, queue, state, attempt, enqueued_at, finished_at, expires_at)
       SELECT 'swept-' || n, 'DrainJob', 'earlier', 'succeeded', 1, 0, n, now() FROM generate_series(1, 100000) AS n`,
  };
  for (const name of names) {
    await pool.query(`ALTER TABLE ${table(name)} SET (autovacuum_enabled = off, vacuum_truncate = off)`);
    await pool.query(fill[name]);
    await pool.query(`DELETE FROM ${table(name)}`);
    await pool.query(`VACUUM ${table(name)}`);
  }
}

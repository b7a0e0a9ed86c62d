// Which plans PostgreSQL's default plan cache (plan_cache_mode = auto) picks for the claim and the one-token ack sent
// as named statements, 20 calls each on one connection: prepared on an empty table (after VACUUM ANALYZE), then
// prepared anew (other names) on a table of 20,000 rows. Reads pg_prepared_statements.generic_plans/custom_plans.
//   cp benchmarks/results/postgres-plan-cost-2026-12-04-probes/plan-choice.ts apps/bench/src/probe/tmp-plan-choice.ts && cd apps/bench && \
//   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/tmp-plan-choice.ts "$HOPPER_TEST_POSTGRES_URL"; rm src/probe/tmp-plan-choice.ts
import pg from "pg";
import { createPostgresBackend } from "@hopper/postgres";
import { claimMessages } from "../../../../packages/postgres/src/operations/claim-messages.ts";
import { deleteMessages } from "../../../../packages/postgres/src/operations/delete-messages.ts";
import { resolveSchema } from "../../../../packages/postgres/src/postgres-schema.ts";
import type { SqlExecutor } from "../../../../packages/postgres/src/postgres-executor.ts";

const url = process.argv[2]!;
const client = new pg.Client({ connectionString: url });
await client.connect();
await client.query("DROP SCHEMA IF EXISTS plan_choice CASCADE");
await (await createPostgresBackend({ connectionString: url, schema: "plan_choice", maxConnections: 2 })).close();
const schema = resolveSchema("plan_choice");
for (const rows of [0, 20000]) {
  if (rows) await client.query(`INSERT INTO plan_choice.messages (id, queue, body) SELECT 'left-' || n, 'leftover', 'x' FROM generate_series(1, ${rows}) AS n`);
  await client.query("VACUUM ANALYZE plan_choice.messages");
  let statement = 0;
  const named = { query: async (text: string, params: unknown[]) => (await client.query({ name: `plan_choice_${rows}_${statement++ % 2}`, text, values: params })).rows } as unknown as SqlExecutor;
  for (let call = 0; call < 20; call++) {
    await claimMessages(named, schema, { queue: "none due", maxMessages: 10, leaseMs: 1000 });
    await deleteMessages(named, schema, [{ seq: "1", attempts: 9 }]);
  }
  const { rows: plans } = await client.query(`SELECT name, generic_plans::int, custom_plans::int FROM pg_prepared_statements WHERE name LIKE 'plan_choice_${rows}_%' ORDER BY name`);
  for (const plan of plans) console.log(`prepared on ${rows} rows: ${plan.name.endsWith("_0") ? "claim" : "ack  "} generic ${plan.generic_plans}, custom ${plan.custom_plans}`);
}
await client.query("DROP SCHEMA plan_choice CASCADE");
await client.end();

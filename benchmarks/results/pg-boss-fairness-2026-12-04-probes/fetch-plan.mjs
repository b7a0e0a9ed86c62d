// pg-boss 12's fetch (the SQL its worker sends, batch 500) explained on a fresh schema in three states:
// (1) never analyzed, (2) analyzed before the queue existed (a later queue unknown to the statistics),
// (3) analyzed after the queue was filled. Each EXPLAIN (ANALYZE, BUFFERS) runs in a transaction that is
// rolled back, so every state sees the same 10,000 queued jobs.
// Command (from apps/bench): node ../../benchmarks/results/pg-boss-fairness-2026-12-04-probes/fetch-plan.mjs $HOPPER_TEST_POSTGRES_URL [completed]
// With `completed`, another queue holding that many completed jobs shares the table first (as earlier
// drain points' retained jobs do in a bench run).
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

// The libraries as apps/bench installs them (run from apps/bench).
const require = createRequire(`${process.cwd()}/`);
const { default: pg } = await import(pathToFileURL(require.resolve("pg")).href);
const { PgBoss } = await import(pathToFileURL(require.resolve("pg-boss")).href);

const url = process.argv[2];
const schema = "probe_pgboss";
const jobs = 10_000;
const boss = new PgBoss({ connectionString: url, schema, supervise: false, schedule: false });
boss.on("error", () => {});
await boss.start();
const client = new pg.Client(url);
await client.connect();

const fetchSql = (name) => `
  WITH next AS (
    SELECT j.id FROM ${schema}.job_common j
    WHERE j.name = '${name}' AND j.state < 'active' AND NOT j.blocked AND j.start_after <= ${schema}.job_now()
    ORDER BY j.priority desc, j.created_on LIMIT 500 FOR UPDATE OF j SKIP LOCKED)
  UPDATE ${schema}.job_common j SET state = 'active', started_on = ${schema}.job_now(), heartbeat_on = ${schema}.job_now(),
    retry_count = CASE WHEN started_on IS NOT NULL THEN retry_count + 1 ELSE retry_count END
  FROM next WHERE name = '${name}' AND j.id = next.id
  RETURNING j.id, name, data`;

async function fill(name) {
  await boss.createQueue(name);
  for (let i = 0; i < jobs; i += 1000) await boss.insert(name, Array.from({ length: 1000 }, () => ({ data: { sentAt: Date.now(), padding: "" } })));
}

async function explain(label, name) {
  const { rows: [stats] } = await client.query(`SELECT c.reltuples::bigint AS reltuples, s.last_analyze, s.last_autoanalyze FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE s.schemaname = $1 AND s.relname = 'job_common'`, [schema]);
  await client.query("BEGIN");
  const started = performance.now();
  const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) ${fetchSql(name)}`);
  const ms = performance.now() - started;
  await client.query("ROLLBACK");
  console.log(`\n=== ${label}: queue ${name}; job_common reltuples ${stats.reltuples}, analyzed ${stats.last_analyze?.toISOString() ?? "never"}; one fetch of 500 took ${ms.toFixed(1)} ms`);
  for (const row of rows) console.log(row["QUERY PLAN"]);
}

await client.query(`DELETE FROM ${schema}.job_common`).catch(() => {});
const completed = Number(process.argv[3] ?? 0);
if (completed > 0) {
  await boss.createQueue("probe-done");
  for (let i = 0; i < completed; i += 1000) await boss.insert("probe-done", Array.from({ length: 1000 }, () => ({ data: { sentAt: Date.now(), padding: "" } })));
  await client.query(`UPDATE ${schema}.job_common SET state = 'completed', completed_on = now() WHERE name = 'probe-done'`);
  console.log(`${completed} completed jobs of another queue in the table`);
}
await fill("probe-a");
await explain("1. never analyzed", "probe-a");
await client.query(`ANALYZE ${schema}.job_common`);
await explain("1b. analyzed with the queue in it", "probe-a");
await fill("probe-b");
await explain("2. analyzed before this queue existed", "probe-b");
await client.query(`ANALYZE ${schema}.job_common`);
await explain("3. analyzed after this queue was filled", "probe-b");

for (const name of ["probe-a", "probe-b", ...(completed > 0 ? ["probe-done"] : [])]) await boss.deleteQueue(name);
await client.end();
await boss.stop({ graceful: false });
await new pg.Client(url).connect().then(async (admin) => { await admin.query(`DROP SCHEMA ${schema} CASCADE`); await admin.end(); });

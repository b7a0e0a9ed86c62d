// node activity-sampler.mjs <postgres url>   (run beside the latency probe; pg from the worktree's node_modules)
// Every 100 ms: statements of other backends active for over 50 ms (with wait events), autovacuum workers, and
// locks waited on (who waits, on what, behind whom). Every 2 s: hopper.messages' live and dead tuples, inserts so
// far (jobs the server has taken), last autovacuum/autoanalyze, what the planner reads as its size (pg_class reltuples, relpages), and its indexes' sizes in pages, and the oldest
// backend_xmin (what holds back the horizon dead rows and dead index entries wait on). While a claim has been
// running > 200 ms (at most every 2 s): EXPLAIN (ANALYZE, BUFFERS) of the claim's index walk, as a plain SELECT with the
// claim function's planner settings (no lock taken, nothing written), to see what one walk costs then.
import { createRequire } from "node:module";
const pg = createRequire(new URL("../../../packages/postgres/package.json", import.meta.url))("pg");
const client = new pg.Client({ connectionString: process.argv[2] });
await client.connect();
const stamp = () => new Date().toISOString().slice(11, 23);
let tick = 0;
let lastExplainAt = 0;
for (;;) {
  const { rows } = await client.query(`SELECT pid, state, wait_event_type, wait_event, backend_type, round(extract(epoch from (now() - query_start)) * 1000) AS ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 120) AS q
    FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND ((state = 'active' AND now() - query_start > interval '50 ms') OR backend_type = 'autovacuum worker')`);
  for (const row of rows) console.log(stamp(), "activity", JSON.stringify(row));
  const locks = await client.query(`SELECT l.pid, l.locktype, l.mode, l.relation::regclass::text AS rel, l.transactionid::text AS xid, pg_blocking_pids(l.pid) AS blockers,
      round(extract(epoch from (now() - a.query_start)) * 1000) AS ms, left(regexp_replace(a.query, '\\s+', ' ', 'g'), 80) AS q
    FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE NOT l.granted`);
  for (const row of locks.rows) console.log(stamp(), "lockwait", JSON.stringify(row));
  const slowClaim = rows.some((row) => row.q.includes("claim_messages") && Number(row.ms) > 200);
  if (slowClaim && Date.now() - lastExplainAt > 2000) {
    lastExplainAt = Date.now();
    await client.query("BEGIN");
    for (const setting of ["enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_hashjoin", "enable_mergejoin"]) await client.query(`SET LOCAL ${setting} = off`);
    const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT m.seq, m.run_at FROM hopper.messages m WHERE m.queue = 'probe-latency' AND m.run_at <= now()
      AND (m.ordering_key IS NULL OR NOT EXISTS (SELECT 1 FROM hopper.messages earlier WHERE earlier.queue = m.queue AND earlier.ordering_key = m.ordering_key AND earlier.seq < m.seq))
      ORDER BY m.priority DESC, m.run_at, m.seq LIMIT 170`);
    await client.query("ROLLBACK");
    const top = plan.rows[0]["QUERY PLAN"][0];
    const scan = top.Plan.Plans?.[0] ?? top.Plan;
    console.log(stamp(), "claimwalk", JSON.stringify({ ms: top["Execution Time"], planMs: top["Planning Time"], node: scan["Node Type"], index: scan["Index Name"], rows: scan["Actual Rows"], hit: scan["Shared Hit Blocks"], read: scan["Shared Read Blocks"] }));
  }
  if (tick++ % 20 === 0) {
    const horizon = await client.query(`SELECT pid, backend_type, age(backend_xmin) AS xmin_age, round(extract(epoch FROM now() - xact_start) * 1000) AS xact_ms, left(query, 60) AS q
      FROM pg_stat_activity WHERE backend_xmin IS NOT NULL AND pid <> pg_backend_pid() ORDER BY age(backend_xmin) DESC LIMIT 1`);
    console.log(stamp(), "horizon", JSON.stringify(horizon.rows[0] ?? null));
    const table = await client.query(`SELECT n_live_tup, n_dead_tup, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del, autovacuum_count, autoanalyze_count,
        to_char(last_autovacuum, 'HH24:MI:SS') AS last_autovacuum, to_char(last_autoanalyze, 'HH24:MI:SS') AS last_autoanalyze, pg_relation_size('hopper.messages') / 8192 AS heap_pages,
        (SELECT reltuples FROM pg_class WHERE oid = 'hopper.messages'::regclass) AS planner_rows, (SELECT relpages FROM pg_class WHERE oid = 'hopper.messages'::regclass) AS planner_pages,
        (SELECT json_object_agg(indexrelname, pg_relation_size(indexrelid) / 8192) FROM pg_stat_user_indexes WHERE relname = 'messages' AND schemaname = 'hopper') AS index_pages
      FROM pg_stat_user_tables WHERE schemaname = 'hopper' AND relname = 'messages'`);
    console.log(stamp(), "messages", JSON.stringify(table.rows[0] ?? null));
  }
  await new Promise((r) => setTimeout(r, 100));
}

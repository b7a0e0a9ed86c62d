// node activity-sampler.mjs <postgres url>   (run beside the latency probe; pg from /work/main's node_modules)
// Samples pg_stat_activity every 100 ms: statements of other backends running longer than 50 ms, with wait events.
import pg from "/work/main/node_modules/.pnpm/node_modules/pg/lib/index.js";
const client = new pg.Client({ connectionString: process.argv[2] });
await client.connect();
for (;;) {
  const { rows } = await client.query(`SELECT pid, state, wait_event_type, wait_event, backend_type, round(extract(epoch from (now() - query_start)) * 1000) AS ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 120) AS q
    FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND ((state = 'active' AND now() - query_start > interval '50 ms') OR backend_type = 'autovacuum worker')`);
  for (const row of rows) console.log(new Date().toISOString().slice(11, 23), JSON.stringify(row));
  await new Promise((r) => setTimeout(r, 100));
}

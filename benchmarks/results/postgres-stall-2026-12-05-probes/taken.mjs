// node taken.mjs <postgres url>: jobs hopper.messages has taken so far (inserts since the server started), live and dead tuples.
import { createRequire } from "node:module";
const pg = createRequire(new URL("../../../packages/postgres/package.json", import.meta.url))("pg");
const client = new pg.Client({ connectionString: process.argv[2] });
await client.connect();
const { rows } = await client.query(`SELECT n_tup_ins AS taken, n_live_tup AS live, n_dead_tup AS dead, autovacuum_count AS autovacuums FROM pg_stat_user_tables WHERE schemaname = 'hopper' AND relname = 'messages'`);
console.log(Object.entries(rows[0] ?? {}).map(([k, v]) => `${k}=${v}`).join(" "));
await client.end();

// Server CPU per claim of 100: the SQL function claim_messages (migration 6, its update joined on ctid) against the same
// function with the update joined on seq and hash and merge joins off (what a migration 8 would declare so a row changed
// by a commit during the claim is claimed, not skipped), alternating claim by claim on one connection, on a queue of
// 30,000 ready rows refilled each round.
// Run from apps/bench: node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings /work/claimexp/claimfn.ts <url> <rounds>
import { readFileSync } from "node:fs";
import pg from "pg";
const [url, roundsText = "3"] = process.argv.slice(2);
const { createPostgresBackend } = await import(`${process.cwd()}/../../packages/postgres/src/postgres-backend.ts`);
await (await createPostgresBackend({ connectionString: url, schema: "claimexp", maxConnections: 2 })).close();
const client = new pg.Client({ connectionString: url });
await client.connect();
const def = (await client.query("select pg_get_functiondef('claimexp.claim_messages(text,integer,double precision,boolean)'::regprocedure) AS d")).rows[0].d as string;
const body = def.slice(def.indexOf("AS $function$") + "AS $function$".length, def.lastIndexOf("$function$"));
const bySeq = body.replace("SELECT m.ctid AS row_id, m.run_at", "SELECT m.seq AS row_seq, m.run_at").replace("WHERE m.ctid = claimable.row_id", "WHERE m.seq = claimable.row_seq");
if (bySeq === body || !bySeq.includes("m.seq = claimable.row_seq")) throw new Error("the claim's body changed: adjust the probe");
await client.query(`CREATE OR REPLACE FUNCTION claimexp.claim_messages_by_seq(queue_name text, wanted integer, lease_ms double precision, start_records boolean)
 RETURNS TABLE(seq bigint, id text, body text, attempts integer, counted integer, priority integer, due timestamp with time zone, record_job text)
 LANGUAGE sql VOLATILE SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off SET enable_hashjoin = off SET enable_mergejoin = off SET jit = off
 AS $f$${bySeq}$f$`);
const [{ pid }] = (await client.query("SELECT pg_backend_pid() AS pid")).rows;
const cpuNs = () => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
const fns = ["claim_messages", "claim_messages_by_seq"];
const samples: Record<string, number[]> = { claim_messages: [], claim_messages_by_seq: [] };
for (let round = 0; round < Number(roundsText); round++) {
  await client.query("DELETE FROM claimexp.messages");
  await client.query("VACUUM ANALYZE claimexp.messages");
  await client.query("INSERT INTO claimexp.messages (id, queue, body) SELECT 'j' || n, 'q', '{\"a\":1}' FROM generate_series(1, 30000) n");
  await client.query("ANALYZE claimexp.messages");
  for (let claim = 0; claim < 300; claim++) {
    const fn = fns[claim % 2]!;
    const before = cpuNs();
    const rows = (await client.query({ name: fn, text: `SELECT * FROM claimexp.${fn}($1, $2, $3, false) LIMIT $2`, values: ["q", 100, 30000] })).rows;
    const spent = cpuNs() - before;
    if (rows.length !== 100) throw new Error(`${fn} claimed ${rows.length}`);
    await client.query({ name: "del", text: "DELETE FROM claimexp.messages WHERE seq = ANY($1::bigint[])", values: [rows.map((r) => r.seq)] });
    if (claim >= 10) samples[fn]!.push(spent / 1000);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const fn of fns) console.log(`${fn}: median ${median(samples[fn]!).toFixed(0)} µs server CPU per claim of 100 (${samples[fn]!.length} claims)`);
await client.query("DROP SCHEMA claimexp CASCADE");
await client.end();

// Where the claim's server CPU goes, by variant, alternating claim by claim on one connection (30,000 ready rows per round):
// v6 = migration 6 (SQL, update joined on ctid); v6cte = the same with its update in a CTE; v8 = a first draft of migration 8
// (SQL, the ctid join kept plus a second update, by seq, of the locked rows it missed; not kept);
// vseq = SQL joined on seq; vseqpl = PL/pgSQL joined on seq (migration 8 as kept); v8pl, v6pl = the draft and v6 in PL/pgSQL.
// Run from apps/bench (VARIANTS=a,b,... for fewer): node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings ../../benchmarks/results/postgres-claim-skip-2026-12-05-probes/variants.ts <url> <rounds>
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
const pg = createRequire(`${process.cwd()}/package.json`)("pg") as typeof import("pg");
const [url, roundsText = "2"] = process.argv.slice(2);
const root = `${process.cwd()}/../..`;
const { createPostgresBackend } = await import(`${root}/packages/postgres/src/postgres-backend.ts`);
await (await createPostgresBackend({ connectionString: url, schema: "cs", maxConnections: 2 })).close();
const client = new pg.Client({ connectionString: url });
await client.connect();
const bodyOf = (file: string) => {
  const text = readFileSync(`${root}/packages/postgres/src/migrations/${file}`, "utf8");
  const start = text.search(/FUNCTION \{\{schema\}\}\.claim_messages\(/);
  const decl = text.slice(start, text.indexOf("$$;", start) + 3).replaceAll("{{schema}}", "cs");
  return decl.slice(decl.indexOf("AS $$") + 5, decl.lastIndexOf("$$"));
};
const b6 = bodyOf("000006_claim_in_index_order.sql");
// The draft: migration 6's update as a CTE, and the same update again, by seq, for the locked rows it did not return.
const updateAt = b6.indexOf("  UPDATE cs.messages m");
const update = b6.slice(updateAt);
const b8 = `${b6.slice(0, updateAt).replace("SELECT m.ctid AS row_id, m.run_at", "SELECT m.ctid AS row_id, m.seq AS row_seq, m.run_at")}, by_version AS (${update}), changed AS (${update.replace("WHERE m.ctid = claimable.row_id", "WHERE m.seq = claimable.row_seq AND claimable.row_seq NOT IN (SELECT found.seq FROM by_version found)")}) SELECT * FROM by_version UNION ALL SELECT * FROM changed`;
if (!b8.includes("NOT IN") || !b8.includes("row_seq, m.run_at")) throw new Error("the draft: migration 6's body changed");
const head = (name: string, lang: string) => `CREATE OR REPLACE FUNCTION cs.${name}(queue_name text, wanted integer, lease_ms double precision, start_records boolean)
RETURNS TABLE (seq bigint, id text, body text, attempts integer, counted integer, priority integer, due timestamptz, record_job text)
LANGUAGE ${lang} VOLATILE SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off SET enable_hashjoin = off SET enable_mergejoin = off SET jit = off AS `;
const wrapped6 = b6.replace("  UPDATE cs.messages m", "  , by_version AS (UPDATE cs.messages m").replace(/m\.record_job\s*$/, "m.record_job) SELECT * FROM by_version\n");
const bseq = b6.replace("SELECT m.ctid AS row_id, m.run_at", "SELECT m.seq AS row_seq, m.run_at").replace("WHERE m.ctid = claimable.row_id", "WHERE m.seq = claimable.row_seq");
if (!bseq.includes("m.seq = claimable.row_seq")) throw new Error("seq variant");
const variants: Record<string, string> = {
  v6: head("v6", "sql") + `$$${b6}$$`,
  v6cte: head("v6cte", "sql") + `$$${wrapped6}$$`,
  v8: head("v8", "sql") + `$$${b8}$$`,
  v8pl: head("v8pl", "plpgsql") + `$$\n#variable_conflict use_column\nBEGIN RETURN QUERY ${b8}; END $$`,
  vseq: head("vseq", "sql") + `$$${bseq}$$`,
  vseqpl: head("vseqpl", "plpgsql") + `$$\n#variable_conflict use_column\nBEGIN RETURN QUERY ${bseq}; END $$`,
  v6pl: head("v6pl", "plpgsql") + `$$\n#variable_conflict use_column\nBEGIN RETURN QUERY ${b6}; END $$`,
};
const fns = (process.env.VARIANTS ?? "v6,v6cte,v8,v8pl,vseq,vseqpl,v6pl").split(",");
for (const fn of fns) await client.query(variants[fn]!);
const [{ pid }] = (await client.query("SELECT pg_backend_pid() AS pid")).rows;
const cpuNs = () => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
const samples: Record<string, number[]> = Object.fromEntries(fns.map((fn) => [fn, []]));
for (let round = 0; round < Number(roundsText); round++) {
  await client.query("DELETE FROM cs.messages");
  await client.query("VACUUM ANALYZE cs.messages");
  await client.query("INSERT INTO cs.messages (id, queue, body) SELECT 'j' || n, 'q', '{\"a\":1}' FROM generate_series(1, 30000) n");
  await client.query("ANALYZE cs.messages");
  for (let claim = 0; claim < 300; claim++) {
    const fn = fns[claim % fns.length]!;
    const before = cpuNs();
    const rows = (await client.query({ name: fn, text: `SELECT * FROM cs.${fn}($1, $2, $3, false) LIMIT $2`, values: ["q", 100, 30000] })).rows;
    const spent = cpuNs() - before;
    if (rows.length !== 100) throw new Error(`${fn} claimed ${rows.length}`);
    await client.query({ name: "del", text: "DELETE FROM cs.messages WHERE seq = ANY($1::bigint[])", values: [rows.map((r) => r.seq)] });
    if (claim >= 10) samples[fn]!.push(spent / 1000);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const fn of fns) console.log(`${fn}: median ${median(samples[fn]!).toFixed(0)} µs (${samples[fn]!.length})`);
await client.query("DROP SCHEMA cs CASCADE");
await client.end();

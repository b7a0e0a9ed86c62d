// Server CPU per claim of 100: claim_messages as migration 6 declares it (SQL, update joined on ctid) against migration
// 8's (PL/pgSQL, update joined on seq), both created from the migration files under other names, alternating claim by claim on one connection, on a queue of 30,000 ready rows refilled each
// round; the backend's CPU from /proc/<pid>/schedstat. With PLAN=1 also each body's generic plan and buffers.
// CLAIM_A / CLAIM_B (default migrations 6 and 8): other claim_messages declarations to compare, as a migration file name or
// a path from the repository's root (postgres-stall-2026-12-05 compares 8 with a proposed 9 so).
// Run from apps/bench: node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings ../../benchmarks/results/postgres-claim-skip-2026-12-05-probes/claimskip.ts <url> <rounds>
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
// pg as apps/bench resolves it (this file lives outside any package).
const pg = createRequire(`${process.cwd()}/package.json`)("pg") as typeof import("pg");
const [url, roundsText = "3"] = process.argv.slice(2);
const root = `${process.cwd()}/../..`;
const { createPostgresBackend } = await import(`${root}/packages/postgres/src/postgres-backend.ts`);
await (await createPostgresBackend({ connectionString: url, schema: "claimskip", maxConnections: 2 })).close();
const client = new pg.Client({ connectionString: url });
await client.connect();
const declared = (file: string, as: string) => {
  const text = readFileSync(file.includes("/") ? `${root}/${file}` : `${root}/packages/postgres/src/migrations/${file}`, "utf8");
  const start = text.search(/CREATE (OR REPLACE )?FUNCTION \{\{schema\}\}\.claim_messages\(/);
  return text.slice(start, text.indexOf("$$;", start) + 3).replaceAll("{{schema}}", "claimskip").replace("claimskip.claim_messages(", `claimskip.${as}(`).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION");
};
// Each declaration's migration number, from its file name (000006_… → 6).
const compared = [process.env.CLAIM_A ?? "000006_claim_in_index_order.sql", process.env.CLAIM_B ?? "000008_claim_follows_changed_rows.sql"];
const numberOf = (file: string) => Number(/(\d{6})_[^/]*$/.exec(file)![1]);
const fns = compared.map((file) => `claim_of_migration_${numberOf(file)}`);
for (const [index, file] of compared.entries()) await client.query(declared(file, fns[index]!));
const [{ pid }] = (await client.query("SELECT pg_backend_pid() AS pid")).rows;
const cpuNs = () => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
const samples: Record<string, number[]> = Object.fromEntries(fns.map((fn) => [fn, []]));
for (let round = 0; round < Number(roundsText); round++) {
  await client.query("DELETE FROM claimskip.messages");
  await client.query("VACUUM ANALYZE claimskip.messages");
  await client.query("INSERT INTO claimskip.messages (id, queue, body) SELECT 'j' || n, 'q', '{\"a\":1}' FROM generate_series(1, 30000) n");
  await client.query("ANALYZE claimskip.messages");
  for (let claim = 0; claim < 300; claim++) {
    const fn = fns[claim % 2]!;
    const before = cpuNs();
    const rows = (await client.query({ name: fn, text: `SELECT * FROM claimskip.${fn}($1, $2, $3, false) LIMIT $2`, values: ["q", 100, 30000] })).rows;
    const spent = cpuNs() - before;
    if (rows.length !== 100) throw new Error(`${fn} claimed ${rows.length}`);
    await client.query({ name: "del", text: "DELETE FROM claimskip.messages WHERE seq = ANY($1::bigint[])", values: [rows.map((r) => r.seq)] });
    if (claim >= 10) samples[fn]!.push(spent / 1000);
  }
}
// Empty claims (an idle worker's, after each wake), of a queue with nothing ready, on the same connection.
const empty: Record<string, number[]> = Object.fromEntries(fns.map((fn) => [fn, []]));
for (let claim = 0; claim < 600; claim++) {
  const fn = fns[claim % 2]!;
  const before = cpuNs();
  await client.query({ name: fn, text: `SELECT * FROM claimskip.${fn}($1, $2, $3, false) LIMIT $2`, values: ["idle", 100, 30000] });
  if (claim >= 10) empty[fn]!.push((cpuNs() - before) / 1000);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const fn of fns) console.log(`${fn}: median ${median(samples[fn]!).toFixed(0)} µs server CPU per claim of 100 (${samples[fn]!.length} claims), ${median(empty[fn]!).toFixed(0)} µs per empty claim (${empty[fn]!.length})`);
console.log(`migration ${numberOf(compared[1]!)} ÷ ${numberOf(compared[0]!)}: ${(median(samples[fns[1]!]!) / median(samples[fns[0]!]!)).toFixed(3)} per claim of 100, ${(median(empty[fns[1]!]!) / median(empty[fns[0]!]!)).toFixed(3)} per empty claim`);
if (process.env.PLAN) {
  // Each body as a prepared statement with the functions' settings (generic plan, as the functions end up with): the
  // plan and its buffers for a claim of 100 from 1,000 ready rows, migration 6's then migration 8's.
  for (const setting of ["enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_hashjoin", "enable_mergejoin", "jit"]) await client.query(`SET ${setting} = off`);
  await client.query("SET plan_cache_mode = force_generic_plan");
  const sqlOf = (declaration: string) => {
    const body = declaration.slice(declaration.indexOf("AS $$") + 5, declaration.lastIndexOf("$$"));
    const query = body.includes("RETURN QUERY") ? body.slice(body.indexOf("RETURN QUERY") + "RETURN QUERY".length, body.lastIndexOf(";")) : body;
    return query.replaceAll("queue_name", "$1").replaceAll("wanted", "$2").replaceAll("lease_ms", "$3").replaceAll("start_records", "$4");
  };
  for (const [name, file] of [["of_migration_6", "000006_claim_in_index_order.sql"], ["of_migration_8", "000008_claim_follows_changed_rows.sql"]] as const) {
    await client.query("DELETE FROM claimskip.messages");
    await client.query("INSERT INTO claimskip.messages (id, queue, body) SELECT 'j' || n, 'q', '{}' FROM generate_series(1, 1000) n");
    await client.query(`PREPARE ${name}(text, integer, double precision, boolean) AS ${sqlOf(declared(file, "unused"))}`);
    await client.query(`EXECUTE ${name}('q', 100, 30000, false)`);
    console.log(`--- ${name}\n${(await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) EXECUTE ${name}('q', 100, 30000, false)`)).rows.map((r) => r["QUERY PLAN"]).join("\n")}`);
  }
}
await client.query("DROP SCHEMA claimskip CASCADE");
await client.end();

// Server CPU per ack statement (one token, as at c=1), prepared (named: a cached plan after 5 runs) against unnamed
// (parsed and planned at every call, a custom plan), in alternating blocks on one connection; the backend's CPU is
// read from /proc/<pid>/stat (the server runs on this machine as the services' postgres). Text as deleteMessages'.
//   cd apps/bench && node ../../benchmarks/results/postgres-overload-recovery-2026-12-04-probes/ack-custom-plan-cost.mjs "$HOPPER_TEST_POSTGRES_URL" [blocks] [perBlock]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

// pg as apps/bench resolves it (run from apps/bench).
const pg = createRequire(`${process.cwd()}/package.json`)("pg");

const [url, blocksText = "10", perBlockText = "1000"] = process.argv.slice(2);
const blocks = Number(blocksText), perBlock = Number(perBlockText);
const client = new pg.Client({ connectionString: url });
await client.connect();
const { rows: [{ pid }] } = await client.query("SELECT pg_backend_pid() AS pid");
const cpuTicks = () => { const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" "); return Number(fields[11]) + Number(fields[12]); };
await client.query("CREATE SCHEMA IF NOT EXISTS ackcost; DROP TABLE IF EXISTS ackcost.messages; CREATE TABLE ackcost.messages (LIKE hopper.messages INCLUDING ALL)");
const text = `WITH deleted AS (
       DELETE FROM ackcost.messages m
       USING unnest($1::bigint[], $2::integer[]) AS token(seq, attempts)
       WHERE m.seq = ANY($1::bigint[]) AND m.seq = token.seq AND m.attempts = token.attempts
       RETURNING m.seq, m.queue, m.ordering_key
     )
     SELECT count(pg_notify($3, queue)) FROM (SELECT DISTINCT queue FROM deleted WHERE ordering_key IS NOT NULL) AS unblocked`;
const results = { named: [], unnamed: [] };
for (let block = 0; block < blocks * 2; block += 1) {
  const mode = block % 2 === 0 ? "named" : "unnamed";
  const { rows } = await client.query(`INSERT INTO ackcost.messages (id, queue, body, attempts) SELECT 'a-' || n || '-' || ${block}, 'q', 'x', 1 FROM generate_series(1, ${perBlock}) n RETURNING seq::text`);
  const before = cpuTicks(), startedAt = performance.now();
  for (const { seq } of rows) await client.query(mode === "named" ? { name: "ack", text, values: [[seq], [1], "c"] } : { text, values: [[seq], [1], "c"] });
  const elapsed = performance.now() - startedAt, ticks = cpuTicks() - before;
  results[mode].push({ cpuUsPerAck: (ticks * 10_000) / perBlock, wallUsPerAck: (elapsed * 1000) / perBlock });
}
const median = (values) => { const sorted = [...values].sort((a, b) => a - b); return sorted[Math.floor(sorted.length / 2)]; };
for (const [mode, runs] of Object.entries(results)) {
  console.log(`${mode}: server CPU µs/ack median ${median(runs.map((r) => r.cpuUsPerAck)).toFixed(0)} (${runs.map((r) => r.cpuUsPerAck.toFixed(0)).join(", ")}); wall µs/ack median ${median(runs.map((r) => r.wallUsPerAck)).toFixed(0)} (${runs.map((r) => r.wallUsPerAck.toFixed(0)).join(", ")})`);
}
await client.query("DROP SCHEMA ackcost CASCADE");
await client.end();

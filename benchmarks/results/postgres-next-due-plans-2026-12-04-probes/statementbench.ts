// Server CPU per next-due lookup and per take-scheduled of 100, on a `messages` table whose statistics predate its
// rows, with the statements of the checkout given (main for "before", this branch for "after"). One connection; that
// backend's CPU from /proc/<pid>/schedstat around each call (the server runs on this machine). States, rebuilt each
// round in schema `statementbench` (made by this branch's migrate(), so it has migration 7; main's statements ignore it):
//   stale:   20,000 rows over 500 other queues analyzed, all deleted, VACUUM, then 30,000 rows into `fresh`
//            (priorities 0, 5, 10, 15 in turn; every third delayed by an hour, due times interleaved);
//   bloated: 150,000 delayed rows of `fresh` analyzed, deleted without VACUUM, then the same 30,000 rows;
//   analyzed: as stale, then ANALYZE (current statistics, for comparison);
//   vacuumed: 100,000 rows updated three times (messages_due_idx grows), deleted, VACUUM; 11,000 rows analyzed and
//            deleted; 5 delayed rows into `fresh` at the table's end; VACUUM (the table taken for 5 rows, its pages
//            kept): next-due's state in benchmarks/results/latency-2026-12-04f/README.md §3.
// Then 200 next-due lookups, then takes of 100 (each taken batch deleted, as a move acks it) until none is left.
// Copied into <this checkout>/apps/bench/ to run (its imports resolve there), from there:
//   node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings statementbench-tmp.ts \
//     <checkout> $HOPPER_TEST_POSTGRES_URL <stale|bloated|analyzed|vacuumed> <rounds>
import { readFileSync } from "node:fs";
import pg from "pg";
const [checkout, url, state = "stale", roundsText = "1"] = process.argv.slice(2);
const src = (path: string) => import(`${checkout}/packages/postgres/src/${path}`);
const { nextDueInMs } = await src("operations/next-due.ts");
const { takeScheduledMessages } = await src("operations/take-scheduled.ts");
const { deleteMessages } = await src("operations/delete-messages.ts");
const { createClientExecutor } = await src("postgres-executor.ts");
const { resolveSchema } = await src("postgres-schema.ts");
const { createPostgresBackend } = await import(`${process.cwd()}/../../packages/postgres/src/postgres-backend.ts`);
await (await createPostgresBackend({ connectionString: url, schema: "statementbench", maxConnections: 2 })).close();
const client = new pg.Client({ connectionString: url });
await client.connect();
const table = "statementbench.messages";
await client.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
// Named statements, as the backend's pool sends these two.
const names = new Map<string, string>();
const executor = { ...createClientExecutor(client), query: async (text: string, values: unknown[] = []) => {
  if (!names.has(text)) names.set(text, `s${names.size}`);
  return (await client.query({ name: names.get(text), text, values })).rows;
} };
const schema = resolveSchema("statementbench");
const [{ pid }] = (await client.query("SELECT pg_backend_pid() AS pid")).rows;
const cpuNs = () => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
const burst = `INSERT INTO ${table} (id, queue, body, priority, run_at)
  SELECT 'new-' || n, 'fresh', '{}', (n % 4) * 5, CASE WHEN n % 3 = 0 THEN now() + interval '1 hour' + n * interval '1 ms' ELSE now() - interval '1 second' END
  FROM generate_series(1, 30000) AS n`;
async function prepare(): Promise<void> {
  await client.query(`DELETE FROM ${table}`);
  await client.query(`VACUUM ${table}`);
  if (state === "vacuumed") {
    await client.query(`INSERT INTO ${table} (id, queue, body) SELECT 'old-' || n, 'old', repeat('x', 200) FROM generate_series(1, 100000) AS n`);
    for (let update = 0; update < 3; update++) await client.query(`UPDATE ${table} SET run_at = run_at + interval '1 second'`);
    await client.query(`DELETE FROM ${table}`);
    await client.query(`VACUUM ${table}`);
    await client.query(`INSERT INTO ${table} (id, queue, body) SELECT 'gone-' || n, 'old', repeat('x', 200) FROM generate_series(1, 11000) AS n`);
    await client.query(`ANALYZE ${table}`);
    await client.query(`DELETE FROM ${table}`);
    await client.query(`INSERT INTO ${table} (id, queue, body, priority, run_at) SELECT 'new-' || n, 'fresh', '{}', (n % 2) * 5, now() + interval '1 hour' + n * interval '1 s' FROM generate_series(1, 5) AS n`);
    await client.query(`VACUUM ${table}`);
    return;
  }
  if (state !== "bloated") {
    await client.query(`INSERT INTO ${table} (id, queue, body) SELECT 'old-' || n, 'old-' || (n % 500), '{}' FROM generate_series(1, 20000) AS n`);
    await client.query(`ANALYZE ${table}`);
    await client.query(`DELETE FROM ${table}`);
    await client.query(`VACUUM ${table}`);
  } else {
    await client.query(`INSERT INTO ${table} (id, queue, body, priority, run_at) SELECT 'dead-' || n, 'fresh', '{}', (n % 4) * 5, now() + interval '10 minutes' + n * interval '1 ms' FROM generate_series(1, 150000) AS n`);
    await client.query(`ANALYZE ${table}`);
    await client.query(`DELETE FROM ${table}`);
  }
  await client.query(burst);
  if (state === "analyzed") await client.query(`ANALYZE ${table}`);
}
async function measure<T>(work: () => Promise<T>): Promise<{ result: T; cpuUs: number; ms: number }> {
  const c0 = cpuNs(), t0 = performance.now();
  const result = await work();
  return { result, cpuUs: (cpuNs() - c0) / 1000, ms: performance.now() - t0 };
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (let round = 0; round < Number(roundsText); round++) {
  await prepare();
  const lookups: number[] = [];
  for (let call = 0; call < 200; call++) lookups.push((await measure(() => nextDueInMs(executor, schema, "fresh"))).cpuUs);
  const takes: number[] = [];
  let taken = 0, takeMs = 0;
  for (;;) {
    const { result, cpuUs, ms } = await measure(() => takeScheduledMessages(executor, schema, { queue: "fresh", maxMessages: 100, leaseMs: 60_000 }));
    if (result.length === 0) break;
    takes.push(cpuUs); taken += result.length; takeMs += ms;
    await deleteMessages(executor, schema, result.map((row: { seq: string; attempts: number }) => ({ seq: row.seq, attempts: row.attempts })));
  }
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  console.log(`${checkout.split("/").slice(-2).join("/")} ${state} round ${round}: next-due first ${lookups[0]!.toFixed(0)} µs, median ${median(lookups).toFixed(0)} µs, mean ${(sum(lookups) / lookups.length).toFixed(0)} µs server CPU (200 calls); take-scheduled ${takes.length} take(s) (${taken} rows): first ${takes[0]?.toFixed(0)} µs, median ${median(takes).toFixed(0)} µs, mean ${(sum(takes) / takes.length).toFixed(0)} µs server CPU, ${(takeMs / takes.length).toFixed(2)} ms wall per take`);
}
await client.query(`DELETE FROM ${table}`);
await client.end();

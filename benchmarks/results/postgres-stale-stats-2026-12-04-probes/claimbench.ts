// Claims of 100 until a 20,000-job queue is empty, claimed and deleted batch by batch, on one connection: wall ms and
// that backend's CPU (/proc/<pid>/schedstat) per claim, with the claim statement of the checkout given. Copied into
// <checkout>/apps/bench/ to run (its imports resolve there), from there:
//   node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings claimbench-tmp.ts <checkout> $HOPPER_TEST_POSTGRES_URL 20000 2
import { readFileSync } from "node:fs";
import pg from "pg";
const [checkout, url, jobsText = "20000", roundsText = "3"] = process.argv.slice(2);
const src = (p: string) => import(`${checkout}/packages/postgres/src/${p}`);
const { claimMessages } = await src("operations/claim-messages.ts");
const { deleteMessages } = await src("operations/delete-messages.ts");
const { createClientExecutor } = await src("postgres-executor.ts");
const { resolveSchema } = await src("postgres-schema.ts");
const client = new pg.Client({ connectionString: url });
await client.connect();
const executor = createClientExecutor(client);
const schema = resolveSchema("hopper");
const [{ pid }] = (await client.query("SELECT pg_backend_pid() AS pid")).rows;
const cpuNs = () => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
for (let round = 0; round < Number(roundsText); round++) {
  const queue = `claimbench-${process.pid}-${round}`;
  await client.query(`INSERT INTO hopper.messages (id, queue, body) SELECT 'j-' || n, $1, '{"hopper":1}' FROM generate_series(1, $2::int) AS n`, [queue, Number(jobsText)]);
  await client.query("ANALYZE hopper.messages");
  let claims = 0, claimMs = 0, claimCpu = 0;
  for (;;) {
    const t0 = performance.now(); const c0 = cpuNs();
    const rows = await claimMessages(executor, schema, { queue, maxMessages: 100, leaseMs: 30000 });
    claimMs += performance.now() - t0; claimCpu += cpuNs() - c0; claims++;
    if (rows.length === 0) break;
    await deleteMessages(executor, schema, rows.map((r: any) => ({ seq: r.seq, attempts: r.attempts })));
  }
  console.log(`${checkout.split("/").pop()} round ${round}: ${claims} claims, ${(claimMs / claims).toFixed(3)} ms and ${(claimCpu / claims / 1000).toFixed(1)} µs server CPU per claim`);
}
await client.end();

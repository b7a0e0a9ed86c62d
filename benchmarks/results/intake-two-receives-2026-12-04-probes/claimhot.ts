// Server CPU per claim of 100 with K messages leased and not yet acked (long-running jobs): the claim of migration 6
// (moves run_at to the lease's end, so leased rows leave the head of the due index; never a HOT update) against a
// sketch of a claim that leaves run_at (HOT with fillfactor 50) and passes over leased rows instead
// (`locked_until > now()` checked on the heap for each). Alternating claim by claim on one connection; each claimed
// batch acked at once by the backend's ack; the K held rows stay leased throughout. A sketch, not a working design:
// the rest of the backend (extend, release, next-due, stats) still reads run_at as the lease's end.
// Copy into apps/bench and run from there:
//   node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings <copy> $HOPPER_TEST_POSTGRES_URL <K> <rounds>
import { readFileSync } from "node:fs";
import pg from "pg";
const [url, heldText = "0", roundsText = "2"] = process.argv.slice(2);
const held = Number(heldText);
const source = (path: string) => import(`${process.cwd()}/../../packages/postgres/src/${path}`);
const { createPostgresBackend } = await source("postgres-backend.ts");
const { deleteMessages } = await source("operations/delete-messages.ts");
const { createClientExecutor } = await source("postgres-executor.ts");
const { resolveSchema } = await source("postgres-schema.ts");
await (await createPostgresBackend({ connectionString: url, schema: "claimhot", maxConnections: 2 })).close();
const client = new pg.Client({ connectionString: url });
await client.connect();
const executor = createClientExecutor(client);
const schema = resolveSchema("claimhot");
const def = (await client.query("select pg_get_functiondef('claimhot.claim_messages(text,integer,double precision,boolean)'::regprocedure) AS d")).rows[0].d as string;
const hot = def
  .replace("claimhot.claim_messages(", "claimhot.claim_messages_hot(")
  .replace(/\n\s*run_at = now\(\) \+ lease_ms \* interval '1 millisecond',/, "")
  .replace("WHERE m.queue = queue_name AND m.run_at <= now()", "WHERE m.queue = queue_name AND m.run_at <= now() AND (m.locked_until IS NULL OR m.locked_until <= now())");
if (hot === def || hot.includes("run_at = now()") || !hot.includes("m.locked_until <= now())")) throw new Error("the claim's body changed: adjust the probe");
await client.query(hot);
const [{ pid }] = (await client.query("SELECT pg_backend_pid() AS pid")).rows;
const cpuNs = () => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
const samples: Record<string, number[]> = { claim_messages: [], claim_messages_hot: [] };
for (let round = 0; round < Number(roundsText); round++) {
  for (const fn of ["claim_messages", "claim_messages_hot"]) {
    await client.query("DELETE FROM claimhot.messages");
    await client.query("VACUUM ANALYZE claimhot.messages");
    await client.query(`INSERT INTO claimhot.messages (id, queue, body) SELECT 'j' || n, 'q', '{"a":1}' FROM generate_series(1, ${30000 + held}) n`);
    await client.query("ANALYZE claimhot.messages");
    // The long-running jobs: claimed first (the oldest rows), never acked, their leases far off.
    for (let taken = 0; taken < held; taken += 1000) await client.query(`SELECT count(*) FROM claimhot.${fn}('q', ${Math.min(1000, held - taken)}, 3600000, false)`);
    for (let claim = 0; claim < 300; claim++) {
      const before = cpuNs();
      const rows = (await client.query({ name: fn, text: `SELECT * FROM claimhot.${fn}($1, $2, $3, false) LIMIT $2`, values: ["q", 100, 30000] })).rows;
      const spent = cpuNs() - before;
      if (rows.length !== 100) throw new Error(`${fn} claimed ${rows.length}`);
      await deleteMessages(executor, schema, rows.map((row) => ({ seq: row.seq, attempts: row.attempts })));
      if (claim >= 10) samples[fn]!.push(spent / 1000);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`K=${held} leased: ${Object.entries(samples).map(([fn, xs]) => `${fn} ${median(xs).toFixed(0)} µs`).join(", ")} per claim of 100 (${samples.claim_messages!.length} each)`);
await client.query("DROP SCHEMA claimhot CASCADE");
await client.end();

// Server CPU per claim of 100 (claim_messages, migration 6) and per ack of those 100 (the backend's own ack statement,
// deleteMessages), on one connection, a queue of 30,000 ready rows refilled each round: where a drained job's server
// CPU goes between its claim and its ack. Also, claim by claim alternating, a copy of the claim that leaves run_at as it
// is (so its update can be HOT, fillfactor 50): an upper bound on what a claim that finds expired leases another way
// could save; it is not a working claim (a lease that runs out would not make its row claimable again). Copy into apps/bench and run from there:
//   node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings <copy> $HOPPER_TEST_POSTGRES_URL <rounds>
import { readFileSync } from "node:fs";
import pg from "pg";
const [url, roundsText = "3"] = process.argv.slice(2);
const source = (path: string) => import(`${process.cwd()}/../../packages/postgres/src/${path}`);
const { createPostgresBackend } = await source("postgres-backend.ts");
const { deleteMessages } = await source("operations/delete-messages.ts");
const { createClientExecutor } = await source("postgres-executor.ts");
const { resolveSchema } = await source("postgres-schema.ts");
await (await createPostgresBackend({ connectionString: url, schema: "claimack", maxConnections: 2 })).close();
const client = new pg.Client({ connectionString: url });
await client.connect();
const executor = createClientExecutor(client);
const schema = resolveSchema("claimack");
const [{ pid }] = (await client.query("SELECT pg_backend_pid() AS pid")).rows;
const def = (await client.query("select pg_get_functiondef('claimack.claim_messages(text,integer,double precision,boolean)'::regprocedure) AS d")).rows[0].d as string;
const hot = def.replace("claimack.claim_messages(", "claimack.claim_messages_hot(").replace(/\n\s*run_at = now\(\) \+ lease_ms \* interval '1 millisecond',/, "");
if (hot === def || hot.includes("run_at = now()")) throw new Error("the claim's body changed: adjust the probe");
await client.query(hot);
const cpuNs = () => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
const claims: number[] = [];
const hotClaims: number[] = [];
const acks: number[] = [];
for (let round = 0; round < Number(roundsText); round++) {
  await client.query("DELETE FROM claimack.messages");
  await client.query("VACUUM ANALYZE claimack.messages");
  await client.query("INSERT INTO claimack.messages (id, queue, body) SELECT 'j' || n, 'q', '{\"a\":1}' FROM generate_series(1, 30000) n");
  await client.query("ANALYZE claimack.messages");
  for (let claim = 0; claim < 300; claim++) {
    let before = cpuNs();
    const fn = claim % 2 === 0 ? "claim_messages" : "claim_messages_hot";
    const rows = (await client.query({ name: fn, text: `SELECT * FROM claimack.${fn}($1, $2, $3, false) LIMIT $2`, values: ["q", 100, 30000] })).rows;
    const claimNs = cpuNs() - before;
    if (rows.length !== 100) throw new Error(`claimed ${rows.length}`);
    before = cpuNs();
    await deleteMessages(executor, schema, rows.map((row) => ({ seq: row.seq, attempts: row.attempts })));
    const ackNs = cpuNs() - before;
    if (claim >= 10) {
      (fn === "claim_messages" ? claims : hotClaims).push(claimNs / 1000);
      acks.push(ackNs / 1000);
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`claim of 100: median ${median(claims).toFixed(0)} µs server CPU (${claims.length}); without moving run_at: ${median(hotClaims).toFixed(0)} µs (${hotClaims.length}); ack of 100: median ${median(acks).toFixed(0)} µs (${acks.length})`);
await client.query("DROP SCHEMA claimack CASCADE");
await client.end();

// A rolling deploy on one schema: a backend of main (<mainRoot>) and one of this branch (<branchRoot>) claim from the
// same queue, renew and hand back their halves at once (main one statement per message, the branch one for all),
// then each renews and nacks the other's stale tokens after re-claiming; checks every row settles as either would
// alone. No migration: both open the schema with migrate on and apply nothing new. Copy into apps/bench of the
// branch's worktree and run from there:
//   node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings <copy> <mainRoot> <branchRoot> $HOPPER_TEST_POSTGRES_URL
import pg from "pg";
const [mainRoot, branchRoot, url] = process.argv.slice(2);
const schema = `rolling_${process.pid}`;
const open = async (root: string) => {
  const { createPostgresBackend } = await import(`${root}/packages/postgres/src/postgres-backend.ts`);
  return createPostgresBackend({ connectionString: url, schema, maxConnections: 4 });
};
const older = await open(mainRoot!);
const newer = await open(branchRoot!);
const admin = new pg.Client({ connectionString: url });
await admin.connect();
const queue = "rolling";
await older.enqueue(Array.from({ length: 1000 }, (_, index) => ({ id: `m${index}`, queue, body: "x" })));
const take = async (backend: any, count: number, leaseMs: number) => {
  const held: any[] = [];
  while (held.length < count) held.push(...(await backend.receive({ queue, maxMessages: count - held.length, waitMs: 0, leaseMs })));
  return held;
};
const olderHeld = await take(older, 500, 600_000);
const newerHeld = await take(newer, 500, 600_000);
const renewed = await Promise.all([...olderHeld, ...newerHeld].map((message) => message.extendLease(600_000)));
await Promise.all([...olderHeld, ...newerHeld].map((message) => message.nack({ retryAfterMs: 0, countAttempt: false })));
const afterHandBack = (await admin.query(`SELECT count(*) FILTER (WHERE locked_until IS NULL AND handed_back = 1 AND attempts = 1)::int AS released, count(*)::int AS total FROM "${schema}".messages`)).rows[0];
// Each re-claims what the other handed back; the other's stale renewals and nacks must leave them alone.
const olderAgain = await take(older, 500, 600_000);
const newerAgain = await take(newer, 500, 600_000);
const staleRenewals = await Promise.all([...olderHeld, ...newerHeld].map((message) => message.extendLease(600_000)));
await Promise.all([...olderHeld, ...newerHeld].map((message) => message.nack({ retryAfterMs: 0 })));
const afterStale = (await admin.query(`SELECT count(*) FILTER (WHERE locked_until > now() AND attempts = 2)::int AS leased, count(*)::int AS total FROM "${schema}".messages`)).rows[0];
await Promise.all([...olderAgain, ...newerAgain].map((message) => message.ack()));
const left = (await admin.query(`SELECT count(*)::int AS left FROM "${schema}".messages`)).rows[0];
const migrations = (await admin.query(`SELECT max(version)::int AS version FROM "${schema}".migrations`)).rows[0];
console.log(JSON.stringify({
  renewedTrue: renewed.filter(Boolean).length,
  afterHandBack,
  redeliveredAsAttempt1: [...olderAgain, ...newerAgain].filter((message) => message.deliveryAttempt === 1).length,
  staleRenewalsTrue: staleRenewals.filter(Boolean).length,
  afterStale,
  leftAfterAcks: left.left,
  schemaVersion: migrations.version,
}));
await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
await admin.end();
await Promise.all([older.close(), newer.close()]);

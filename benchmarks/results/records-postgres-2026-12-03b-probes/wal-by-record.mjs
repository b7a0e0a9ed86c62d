// Where the WAL of the queue statements goes, records off and on (issue #20): the enqueue (one insert of
// `jobs` messages), the claim of `jobs` messages and the ack of `jobs` messages, each run in a transaction of
// its own, its WAL records read back with pg_walinspect (PostgreSQL 15+, superuser) and grouped by type.
// Only records written under the statement's transaction id are counted (a concurrent client's are not;
// HOT pruning done on the way, which has no transaction id, is left out).
// With EXPLAIN=1 it prints EXPLAIN (ANALYZE, BUFFERS, WAL) of each statement instead. RECORD_INDEXES picks
// job_records' secondary indexes: `shipped` (default), `sweep-unfinished` (the sweep index without finished
// rows) or `none` (no listing or sweep index: the floor of a kept row, not a working configuration).
//
//   cd <worktree> && eval "$(pnpm -s services env)"
//   node_modules/.bin/tsx --conditions=@hopper/source benchmarks/results/records-postgres-2026-12-03b-probes/wal-by-record.mjs [jobs=100]
import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";
import { createPgExecutor } from "../../../packages/postgres/src/postgres-executor.ts";
import { resolveSchema } from "../../../packages/postgres/src/postgres-schema.ts";
import { migrate } from "../../../packages/postgres/src/postgres-migrate.ts";
import { recordSql } from "../../../packages/postgres/src/postgres-record-sql.ts";
import { createPostgresRecordStore } from "../../../packages/postgres/src/postgres-record-store.ts";
import { enqueueMessages } from "../../../packages/postgres/src/operations/enqueue-messages.ts";
import { claimMessages } from "../../../packages/postgres/src/operations/claim-messages.ts";
import { deleteMessages } from "../../../packages/postgres/src/operations/delete-messages.ts";
import { RECORD_KEPT_UNTIL_LATER_WRITE_MS } from "../../../packages/core/src/records/records-options.ts";

const pg = createRequire(new URL("../../../packages/postgres/package.json", import.meta.url))("pg");
const jobs = Number(process.argv[2] ?? 100);
const explain = process.env.EXPLAIN === "1";
const pool = new pg.Pool({ connectionString: process.env.HOPPER_TEST_POSTGRES_URL, max: 2 });
const plain = createPgExecutor(pool, { ownsPool: false });
const schema = resolveSchema("probe_wal");
await plain.query(`DROP SCHEMA IF EXISTS ${schema.quoted} CASCADE`);
await plain.query("CREATE EXTENSION IF NOT EXISTS pg_walinspect");
await migrate(plain, schema);
const store = await createPostgresRecordStore({ pool, schema: schema.name });
const indexes = process.env.RECORD_INDEXES ?? "shipped";
if (indexes !== "shipped") await plain.query(`DROP INDEX ${schema.quoted}.job_records_expiring_idx`);
if (indexes === "sweep-unfinished") await plain.query(`CREATE INDEX job_records_expiring_idx ON ${schema.quoted}.job_records (expires_at) WHERE listed_state IS NULL AND expires_at < 'infinity'`);
if (indexes === "none") await plain.query(`DROP INDEX ${schema.quoted}.job_records_listed_idx`);
const sql = recordSql(schema);

/** Runs each statement alone and prints what it wrote to the WAL (or its plan), returning no rows. */
const inspecting = {
  ...plain,
  async query(text, params) {
    const client = await pool.connect();
    try {
      if (explain) {
        const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, WAL, COSTS off) ${text}`, params);
        console.log(rows.map((row) => row["QUERY PLAN"]).join("\n"));
        return [];
      }
      // A flushed commit, so that pg_walinspect may read up to it on a server running synchronous_commit=off.
      await client.query("SET synchronous_commit = on");
      await client.query("BEGIN");
      const { rows: [start] } = await client.query("SELECT txid_current()::text AS xid, pg_current_wal_insert_lsn() AS lsn");
      await client.query(text, params);
      await client.query("COMMIT");
      const { rows } = await client.query(
        `SELECT resource_manager || '/' || record_type AS type, count(*) AS n, sum(record_length) AS bytes
         FROM pg_get_wal_records_info($1, pg_current_wal_flush_lsn()) WHERE xid::text = $2 GROUP BY 1 ORDER BY 3 DESC`,
        [start.lsn, start.xid],
      );
      const total = rows.reduce((sum, row) => sum + Number(row.bytes), 0);
      console.log(`  total ${(total / jobs).toFixed(0)} B/job: ` + rows.map((row) => `${row.type} ${(Number(row.n) / jobs).toFixed(2)}×/${(Number(row.bytes) / jobs).toFixed(0)} B`).join(", "));
      return [];
    } finally {
      client.release();
    }
  },
};

const unfinished = RECORD_KEPT_UNTIL_LATER_WRITE_MS;
for (const mode of ["off", "on", "off", "on"]) {
  const records = mode === "on" ? sql : undefined;
  const queue = `probe-${randomUUID().slice(0, 6)}`;
  const now = Date.now();
  const make = () =>
    Array.from({ length: jobs }, () => {
      const id = randomUUID();
      const body = JSON.stringify({ hopper: 1, id, job: "BenchJob", version: 1, args: { sentAt: now, padding: "" }, queue, priority: 0, enqueuedAt: new Date(now).toISOString(), attempt: 1 });
      return { id, queue, body, ...(records && { record: { id, job: "BenchJob", queue, runAt: null, ttlMs: unfinished, enqueuedAt: now, args: `{"args":{"sentAt":${now},"padding":""}}` } }) };
    });
  const claimOptions = { queue, maxMessages: jobs, leaseMs: 30_000, ...(records && { recordTtlMs: unfinished }) };
  console.log(`\n## records ${mode}: enqueue of ${jobs}`);
  await enqueueMessages(inspecting, schema, make(), records);
  const claimed = await claimMessages(plain, schema, claimOptions, records);
  await enqueueMessages(plain, schema, make(), records);
  console.log(`## records ${mode}: claim of ${jobs}`);
  await claimMessages(inspecting, schema, claimOptions, records);
  console.log(`## records ${mode}: ack of ${claimed.length}`);
  const tokens = claimed.map((message) => ({
    seq: message.seq,
    attempts: message.attempts,
    ...(records && { record: { id: message.id, job: "BenchJob", queue, state: "succeeded", attempt: 1, result: "null", finishedAt: Date.now(), enqueuedAt: now, ttlMs: 86_400_000 } }),
  }));
  await deleteMessages(inspecting, schema, tokens, records);
}
await store.close();
await plain.query(`DROP SCHEMA ${schema.quoted} CASCADE`);
await pool.end();

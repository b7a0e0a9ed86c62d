// What the enqueue would cost if an unfinished job's record were its message row (issue #20's idea not
// built here): the record's own fields as columns of `messages`, found by id through a partial index that
// records-off rows stay out of; no job_records row until the job settles. Against today's enqueue (a
// job_records row inserted by the same statement) and records off. Server CPU (the backend's schedstat) and
// WAL per job; 100 jobs per statement, `reps` statements per figure, 3 rounds, interleaved.
// The in-row statement is a sketch: no notification, no dedupe keys, its record columns as typed arrays.
//
//   cd <worktree> && eval "$(pnpm -s services env)"
//   node_modules/.bin/tsx --conditions=@hopper/source benchmarks/results/records-postgres-2026-12-03b-probes/record-in-message-row.mjs [reps=60]
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { createHash, randomUUID } from "node:crypto";
import { createPgExecutor } from "../../../packages/postgres/src/postgres-executor.ts";
import { resolveSchema } from "../../../packages/postgres/src/postgres-schema.ts";
import { migrate } from "../../../packages/postgres/src/postgres-migrate.ts";
import { recordSql } from "../../../packages/postgres/src/postgres-record-sql.ts";
import { createPostgresRecordStore } from "../../../packages/postgres/src/postgres-record-store.ts";
import { enqueueMessages } from "../../../packages/postgres/src/operations/enqueue-messages.ts";
import { RECORD_KEPT_UNTIL_LATER_WRITE_MS } from "../../../packages/core/src/records/records-options.ts";

const pg = createRequire(new URL("../../../packages/postgres/package.json", import.meta.url))("pg");
const reps = Number(process.argv[2] ?? 60);
const jobs = 100;
const pool = new pg.Pool({ connectionString: process.env.HOPPER_TEST_POSTGRES_URL, max: 1 });
const plain = createPgExecutor(pool, { ownsPool: false });
const today = resolveSchema("probe_row_today");
const inRow = resolveSchema("probe_row_inrow");
for (const schema of [today, inRow]) {
  await plain.query(`DROP SCHEMA IF EXISTS ${schema.quoted} CASCADE`);
  await migrate(plain, schema);
}
const store = await createPostgresRecordStore({ pool, schema: today.name });
const sql = recordSql(today);
await plain.query(`ALTER TABLE ${inRow.quoted}.messages ADD COLUMN record_job text, ADD COLUMN record_args text, ADD COLUMN record_enqueued_at bigint, ADD COLUMN record_batch_id text, ADD COLUMN record_parent_id text`);
await plain.query(`CREATE INDEX messages_record_id_idx ON ${inRow.quoted}.messages (id) WHERE record_job IS NOT NULL`);
const client = await pool.connect();
const { rows: [{ pid }] } = await client.query("SELECT pg_backend_pid() AS pid");
const serverNs = () => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
const walBytes = async () => Number((await client.query("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS b")).rows[0].b);
const executor = { ...plain, query: async (text, params) => (await client.query({ name: createHash("sha1").update(text).digest("hex"), text, values: params })).rows };

const batch = (withRecords) => {
  const queue = `probe-${randomUUID().slice(0, 6)}`;
  const now = Date.now();
  return Array.from({ length: jobs }, () => {
    const id = randomUUID();
    const body = JSON.stringify({ hopper: 1, id, job: "BenchJob", version: 1, args: { sentAt: now, padding: "" }, queue, priority: 0, enqueuedAt: new Date(now).toISOString(), attempt: 1 });
    return { id, queue, body, ...(withRecords && { record: { id, job: "BenchJob", queue, enqueuedAt: now, runAt: null, ttlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS, args: `{"args":{"sentAt":${now},"padding":""}}` } }) };
  });
};
const variants = {
  "records off": () => enqueueMessages(executor, today, batch(false)),
  "records on, today (a job_records row)": () => enqueueMessages(executor, today, batch(true), sql),
  "records on, in the message row": () => {
    const messages = batch(true);
    const records = messages.map((message) => message.record);
    return executor.query(
      `INSERT INTO ${inRow.quoted}.messages (id, queue, body, priority, run_at, record_job, record_args, record_enqueued_at, record_batch_id, record_parent_id)
       SELECT id, queue, body, 0, now(), job, args, enqueued_at, batch_id, parent_id
       FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]), unnest($5::text[]), unnest($6::bigint[]), unnest($7::text[]), unnest($8::text[]))
         AS m(id, queue, body, job, args, enqueued_at, batch_id, parent_id)`,
      [messages.map((m) => m.id), messages.map((m) => m.queue), messages.map((m) => m.body), records.map((r) => r.job), records.map((r) => r.args), records.map((r) => r.enqueuedAt), records.map((r) => r.batchId ?? null), records.map((r) => r.parentId ?? null)],
    );
  },
};
for (const round of [1, 2, 3]) {
  for (const [name, run] of Object.entries(variants)) {
    for (let i = 0; i < 5; i++) await run();
    const wal = await walBytes();
    const cpu = serverNs();
    for (let i = 0; i < reps; i++) await run();
    console.log(`round ${round}, ${name}: server ${((serverNs() - cpu) / 1000 / reps / jobs).toFixed(2)} µs/job, WAL ${((await walBytes()) - wal) / reps / jobs | 0} B/job`);
  }
}
client.release();
await store.close();
for (const schema of [today, inRow]) await plain.query(`DROP SCHEMA ${schema.quoted} CASCADE`);
await pool.end();

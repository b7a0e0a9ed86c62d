// Server CPU (the backend's schedstat) and WAL per row of the enqueue's record insert, taken apart (issue #20):
// the row source alone (json_to_recordset, as shipped; unnest of typed arrays; args as packed bytea), then the
// insert as shipped, without its notification CTE, with ON CONFLICT DO NOTHING, as a plain INSERT, and the whole
// enqueue statement with records off and on. 100 rows per statement, `reps` statements per figure, 2 rounds.
//
//   cd <worktree> && eval "$(pnpm -s services env)"
//   node_modules/.bin/tsx --conditions=@hopper/source benchmarks/results/records-postgres-2026-12-03b-probes/record-insert-cost.mjs [reps=60]
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { createHash, randomUUID } from "node:crypto";
import { createPgExecutor } from "../../../packages/postgres/src/postgres-executor.ts";
import { resolveSchema } from "../../../packages/postgres/src/postgres-schema.ts";
import { migrate } from "../../../packages/postgres/src/postgres-migrate.ts";
import { expiresAt, insertedColumns, insertedSource, recordSql } from "../../../packages/postgres/src/postgres-record-sql.ts";
import { createPostgresRecordStore } from "../../../packages/postgres/src/postgres-record-store.ts";
import { enqueueMessages } from "../../../packages/postgres/src/operations/enqueue-messages.ts";
import { RECORD_KEPT_UNTIL_LATER_WRITE_MS } from "../../../packages/core/src/records/records-options.ts";

const pg = createRequire(new URL("../../../packages/postgres/package.json", import.meta.url))("pg");
const reps = Number(process.argv[2] ?? 60);
const rows = 100;
const pool = new pg.Pool({ connectionString: process.env.HOPPER_TEST_POSTGRES_URL, max: 1 });
const plain = createPgExecutor(pool, { ownsPool: false });
const schema = resolveSchema("probe_insert");
await plain.query(`DROP SCHEMA IF EXISTS ${schema.quoted} CASCADE`);
await migrate(plain, schema);
const store = await createPostgresRecordStore({ pool, schema: schema.name });
const sql = recordSql(schema);
const client = await pool.connect();
const { rows: [{ pid }] } = await client.query("SELECT pg_backend_pid() AS pid");
const serverNs = () => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
const walBytes = async () => Number((await client.query("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS b")).rows[0].b);
// Named statements, as the backend's executor sends them: parsed and planned once per connection.
const executor = { ...plain, query: async (text, params) => (await client.query({ name: createHash("sha1").update(text).digest("hex"), text, values: params })).rows };

const now = Date.now();
const recordsOf = (queue) => Array.from({ length: rows }, () => ({ id: randomUUID(), job: "BenchJob", queue, enqueuedAt: now, runAt: null, ttlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS, args: `{"args":{"sentAt":${now},"padding":""}}` }));
const messagesOf = (withRecords) => {
  const queue = `probe-${randomUUID().slice(0, 6)}`;
  return recordsOf(queue).map((record) => ({ id: record.id, queue, body: JSON.stringify({ hopper: 1, id: record.id, job: "BenchJob", version: 1, args: { sentAt: now, padding: "" }, queue, priority: 0, enqueuedAt: new Date(now).toISOString(), attempt: 1 }), ...(withRecords && { record }) }));
};
const filter = "WHERE ttl_ms > 0 AND args IS NOT NULL AND job IS NOT NULL";
const arrays = (records) => [records.map((r) => r.id), records.map((r) => r.job), records.map((r) => r.queue), records.map((r) => r.enqueuedAt), records.map((r) => r.runAt), records.map((r) => Math.ceil(r.ttlMs)), records.map((r) => r.batchId ?? null), records.map((r) => r.parentId ?? null)];
const arraysSource = "ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::bigint[]), unnest($5::bigint[]), unnest($6::bigint[]), unnest($7::text[]), unnest($8::text[])";
const table = sql.table;
const columns = "id, job, queue, state, attempt, enqueued_at, run_at, batch_id, parent_id, args, expires_at";
const selected = `SELECT id, job, queue, 'waiting', 0, enqueued_at, run_at, batch_id, parent_id, args, ${expiresAt("ttl_ms")} FROM ${insertedSource(1)}`;
const variants = {
  "source: json_to_recordset (shipped)": () => executor.query(`SELECT count(*) FROM ${insertedSource(1)} ${filter}`, insertedColumns(recordsOf("q"))),
  "source: typed arrays": () => {
    const records = recordsOf("q");
    return executor.query(`SELECT count(*) FROM ${arraysSource}, unnest($9::text[])) AS r(id, job, queue, enqueued_at, run_at, ttl_ms, batch_id, parent_id, args) ${filter}`, [...arrays(records), records.map((r) => r.args)]);
  },
  "source: typed arrays, args as packed bytea": () => {
    const records = recordsOf("q");
    const bytes = records.map((r) => Buffer.from(r.args));
    const offsets = [];
    let offset = 0;
    for (const b of bytes) (offsets.push(offset), (offset += b.length));
    return executor.query(
      `SELECT count(*) FROM (SELECT *, convert_from(substring($9::bytea FROM args_offset + 1 FOR args_length), 'UTF8') AS args
       FROM ${arraysSource}, unnest($10::integer[]), unnest($11::integer[])) AS r(id, job, queue, enqueued_at, run_at, ttl_ms, batch_id, parent_id, args_offset, args_length)) r ${filter}`,
      [...arrays(records), Buffer.concat(bytes), offsets, bytes.map((b) => b.length)],
    );
  },
  "insert as shipped (ON CONFLICT DO UPDATE, notify CTE)": () => executor.query(`WITH inserted AS (${sql.insert(insertedSource(1))}) ${sql.notified("inserted")}`, insertedColumns(recordsOf("q"))),
  "insert without the notify CTE": () => executor.query(sql.insert(insertedSource(1)), insertedColumns(recordsOf("q"))),
  "insert ON CONFLICT DO NOTHING": () => executor.query(`INSERT INTO ${table} (${columns}) ${selected} ON CONFLICT (id) DO NOTHING`, insertedColumns(recordsOf("q"))),
  "plain insert": () => executor.query(`INSERT INTO ${table} (${columns}) ${selected}`, insertedColumns(recordsOf("q"))),
  "enqueue, records off": () => enqueueMessages(executor, schema, messagesOf(false)),
  "enqueue, records on": () => enqueueMessages(executor, schema, messagesOf(true), sql),
};
for (const round of [1, 2]) {
  for (const [name, run] of Object.entries(variants)) {
    for (let i = 0; i < 5; i++) await run();
    const wal = await walBytes();
    const cpu = serverNs();
    for (let i = 0; i < reps; i++) await run();
    console.log(`round ${round}, ${name}: server ${((serverNs() - cpu) / 1000 / reps / rows).toFixed(2)} µs/row, WAL ${((await walBytes()) - wal) / reps / rows | 0} B/row`);
  }
}
client.release();
await store.close();
await plain.query(`DROP SCHEMA ${schema.quoted} CASCADE`);
await pool.end();

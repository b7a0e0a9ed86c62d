// Shared by this folder's probes: a scratch schema migrated on the worktree's server (HOPPER_TEST_POSTGRES_URL),
// one pooled connection (named statements, as the backend sends them), the backend's record SQL, and the CPU
// time of that connection's server process (/proc/<pid>/schedstat, ns). `drop()` removes it all.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { createPgExecutor } from "../../../packages/postgres/src/postgres-executor.ts";
import { resolveSchema } from "../../../packages/postgres/src/postgres-schema.ts";
import { migrate } from "../../../packages/postgres/src/postgres-migrate.ts";
import { recordSql } from "../../../packages/postgres/src/postgres-record-sql.ts";
import { createPostgresRecordStore } from "../../../packages/postgres/src/postgres-record-store.ts";
import { RECORD_KEPT_UNTIL_LATER_WRITE_MS } from "../../../packages/core/src/records/records-options.ts";

const pg = createRequire(new URL("../../../packages/postgres/package.json", import.meta.url))("pg");

export async function scratchSchema(name) {
  const pool = new pg.Pool({ connectionString: process.env.HOPPER_TEST_POSTGRES_URL, max: 1 });
  const executor = createPgExecutor(pool, { ownsPool: false });
  const schema = resolveSchema(name);
  await executor.query(`DROP SCHEMA IF EXISTS ${schema.quoted} CASCADE`);
  await migrate(executor, schema);
  const store = await createPostgresRecordStore({ pool, schema: schema.name });
  const { pid } = (await executor.query("SELECT pg_backend_pid() AS pid"))[0];
  return {
    pool,
    executor,
    schema,
    sql: recordSql(schema),
    serverNs: () => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]),
    async drop() {
      await store.close();
      await executor.query(`DROP SCHEMA ${schema.quoted} CASCADE`);
      await pool.end();
    },
  };
}

/** `count` messages of one queue as the bench's jobs look, each carrying its record when `records`. */
export function benchMessages(count, records, queue = "probe", now = Date.now()) {
  return Array.from({ length: count }, () => {
    const id = crypto.randomUUID();
    const record = { id, job: "BenchJob", queue, enqueuedAt: now, runAt: null, ttlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS, args: `{"args":{"sentAt":${now},"padding":""}}` };
    return { id, queue, body: JSON.stringify({ hopper: 1, id, job: "BenchJob", version: 1, args: { sentAt: now, padding: "" }, queue, priority: 0, enqueuedAt: new Date(now).toISOString(), attempt: 1, meta: {} }), ...(records && { record }) };
  });
}

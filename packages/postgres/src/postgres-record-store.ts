import { randomUUID } from "node:crypto";
import type { PGlite } from "@electric-sql/pglite";
import { BackendClosedError, ConfigurationError, decodeRecordCursor, encodeRecordCursor, RECORD_STORE_SPECIFICATION_VERSION, type Logger, type RecordEvent, type RecordStore, type StoredJobRecord } from "@hopper/core";
import pg from "pg";
import { transactionClient } from "./postgres-backend.js";
import { createClientExecutor, type SqlExecutor } from "./postgres-executor.js";
import { keepListening } from "./postgres-kept-listen.js";
import { storeExecutor } from "./postgres-store-connection.js";
import { resolveSchema, type PostgresSchema } from "./postgres-schema.js";
import { expiresAt, insertedColumns, insertedSource, recordColumns, recordSql, settledColumns, settledSource } from "./postgres-record-sql.js";
import { optionKeysOf, rejectUnknownOptions } from "@hopper/core/backend";

export interface PostgresRecordStoreOptions {
  /** A `pg` pool you own; left open on close. */
  readonly pool?: pg.Pool;
  /** A connection string: the store opens its own pool and ends it on close. */
  readonly connectionString?: string;
  /** A PGlite database you own (one process only, since it is embedded). */
  readonly pglite?: PGlite;
  /** Schema holding the table. Default "hopper". */
  readonly schema?: string;
  /** Pool size when the store opens its own pool. Default 4. */
  readonly maxConnections?: number;
}

// First key of pg_advisory_xact_lock(int, int) while creating the table: "hopj"; the second is the schema's hash.
const advisoryLockNamespace = 0x686f706a;
const sweepEveryMs = 60_000;
const sweepBatch = 1000;
// A subscriber's lease on record notifications, renewed every minute: one that died without stopping keeps writes notifying for at most this long.
const listenerLeaseMs = 5 * 60_000;
const listenerRenewMs = 60_000;
const listedStates = "'succeeded', 'failed', 'dead', 'cancelled'";
// Percent of a page new rows fill; the rest takes the claim's update of those rows (HOT) and its pruned space the ack's.
const recordsFillfactor = 50;

const optionKeys = optionKeysOf<PostgresRecordStoreOptions>({ pool: true, connectionString: true, pglite: true, schema: true, maxConnections: true });

/**
 * Job records on a PostgreSQL server, given by connection (SQS, Pub/Sub, or a
 * separate database). The PostgreSQL and PGlite backends offer the same store
 * on their own connection (`Backend.recordStore`).
 */
export async function createPostgresRecordStore(options: PostgresRecordStoreOptions): Promise<RecordStore> {
  if (typeof options === "object" && options !== null) rejectUnknownOptions(options, optionKeys, "createPostgresRecordStore()");
  const executor = storeExecutor(options);
  const schema = resolveSchema(options.schema);
  const store = buildPostgresRecordStore(executor, schema, { ownsExecutor: true, joinsTransactions: false, messageRows: false });
  try {
    await store.ready();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  return store;
}

/** Where a store's sweep reports a failure: the logger the core gave it, shared with the backend's own statements' store. */
export interface SweepLog {
  logger?: Logger;
}

/**
 * The store on an executor. `joinsTransactions`: the executor is the
 * backend's own database, so an enqueue's records may join the caller's
 * transaction (appearing with the jobs at commit); a store on another
 * database writes at once instead. `messageRows`: the backend's own store,
 * whose enqueues keep unfinished records in message rows (`RecordSql.messages`):
 * reads look there too, and a write moves such a record into job_records.
 */
export function buildPostgresRecordStore(
  executor: SqlExecutor,
  schema: PostgresSchema,
  options: {
    ownsExecutor: boolean;
    joinsTransactions: boolean;
    messageRows: boolean;
    sweepEveryMs?: number;
    sweepLog?: SweepLog;
    /** Connections of the executor's pool held for good elsewhere (the backend's queue wake-ups listen on one). */
    heldElsewhere?: number;
  },
): RecordStore & { ready(): Promise<void> } {
  const sweepLog = options.sweepLog ?? {};
  const sql = recordSql(schema, { messageRows: options.messageRows });
  const { table } = sql;
  // The record a message row keeps for id `$1`, or no row (`inMessageRow`); none when this store reads no message rows.
  const inMessageRow = sql.messages ? sql.inMessageRow("$1") : `SELECT ${recordColumns} FROM ${table} WHERE false`;
  // The same, its message row locked (a cancel against a concurrent claim); read after the lock, as the claim left it.
  const lockedInMessageRow = sql.messages ? `${sql.inMessageRow("$1")} FOR UPDATE OF m` : inMessageRow;
  /** An insert moving the record in `$1`'s message row (read by `from`) to job_records when `where` holds of it (columns as `recordColumns`, some `replaced`), or `onConflict`. */
  const movedFromRow = (where: string, replaced: Record<string, string>, onConflict: string, from = inMessageRow) =>
    `INSERT INTO ${table} (${recordColumns}, expires_at)
     SELECT ${recordColumns
       .split(", ")
       .map((column) => replaced[column] ?? column)
       .join(", ")}, timestamptz 'infinity' FROM (${from}) moved_record WHERE ${where}
     ON CONFLICT (id) DO UPDATE SET ${onConflict}`;
  let creating: Promise<void> | undefined;
  // Idempotent DDL under an advisory lock, kept out of the backend's numbered migrations as the coordination tables are, since a store may stand alone.
  // Whether every object the DDL below makes is there as it leaves it (catalog reads only, no lock): the DDL then
  // is skipped. Run anyway, its ALTER TABLE takes an ACCESS EXCLUSIVE lock after CREATE INDEX's SHARE lock, which
  // deadlocked against another process's record statement (holding a row lock, waiting to write); with the
  // backend's own store, opened lazily, every process start ran it beside live workers.
  const upToDate = async (): Promise<boolean> => {
    const named = (name: string) => `${schema.quoted}.${name}`;
    const [row] = await executor.query<{ ready: boolean }>(
      `SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AND to_regclass($3) IS NOT NULL AND to_regclass($4) IS NULL AND to_regclass($5) IS NULL
         AND (SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass($6) AND attname IN ('batch_id', 'parent_id', 'args', 'listed_state') AND NOT attisdropped) = 4
         AND EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass($6) AND coalesce(reloptions, '{}') @> ARRAY['fillfactor=${recordsFillfactor}']) AS ready`,
      [sql.listeners, named("job_records_listed_idx"), named("job_records_expiring_idx"), named("job_records_finished_idx"), named("job_records_expires_idx"), table],
    );
    return row?.ready === true;
  };
  const ready = (): Promise<void> => {
    creating ??= upToDate()
      .then(async (done) => {
        if (!done) await createTables();
      })
      .catch((error: unknown) => {
        creating = undefined;
        throw error;
      });
    return creating;
  };
  const createTables = (): Promise<void> =>
    executor
      .transaction(async (transaction) => {
        await transaction.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [advisoryLockNamespace, schema.name]);
        await transaction.query(`CREATE SCHEMA IF NOT EXISTS ${schema.quoted}`);
        // Times are the writer's epoch ms; expires_at is the server's clock. A row past expires_at counts as absent.
        await transaction.query(
          `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, job text NOT NULL, queue text NOT NULL, state text NOT NULL, attempt integer NOT NULL DEFAULT 0,
             progress text, result text, error text, enqueued_at bigint NOT NULL, started_at bigint, finished_at bigint, run_at bigint,
             cancel_requested boolean NOT NULL DEFAULT false, expires_at timestamptz NOT NULL)`,
        );
        // The sweep's index: rows that can expire only, so a record kept until a later write (`infinity`) costs no
        // entry (two of a job's three writes). It replaced job_records_expires_idx, which held every row. (#20)
        await transaction.query(`CREATE INDEX IF NOT EXISTS job_records_expiring_idx ON ${table} (expires_at) WHERE expires_at < 'infinity'`);
        await transaction.query(`DROP INDEX IF EXISTS ${schema.quoted}.job_records_expires_idx`);
        // Added after the table shipped: a job's batch, a flow child's parent and the job's args, written by the insert only.
        await transaction.query(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS batch_id text, ADD COLUMN IF NOT EXISTS parent_id text, ADD COLUMN IF NOT EXISTS args text`);
        // `list`: finished records by state, newest first, ids in byte order ("C"), the order the cursor compares in.
        // Keyed on listed_state, which only a finished record has, not on state: an index on state would make the
        // claim's update (waiting → running) add an entry to every index; with no indexed column changed it is a
        // HOT update, written beside the old row version with no index entry (fillfactor leaves it room). (#20)
        // job_records_finished_idx, on (state, …), came before it. Built under the lock above on a first start after an upgrade.
        await transaction.query(
          `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS listed_state text GENERATED ALWAYS AS (CASE WHEN state IN (${listedStates}) THEN state END) STORED`,
        );
        // Ascending, read backwards by `list`: records arrive in finished order, so each new entry lands at the right end
        // of its state's range, where a B-tree appends and splits leave full pages. Descending (a table made before
        // 2026-12-05 keeps it: `list` reads it forwards, in the same order), each went to the left end, where a split
        // halves the page: an index twice the size, and more CPU and WAL per finished record
        // (benchmarks/results/job-ids-v7-2026-12-05.md §5).
        await transaction.query(`CREATE INDEX IF NOT EXISTS job_records_listed_idx ON ${table} (listed_state, finished_at, id COLLATE "C") WHERE listed_state IS NOT NULL`);
        await transaction.query(`DROP INDEX IF EXISTS ${schema.quoted}.job_records_finished_idx`);
        // Room in each page for a row's next version (the claim's HOT update); new pages only, so cheap on a table made before.
        const [options] = await transaction.query<{ fillfactor: boolean }>(
          `SELECT coalesce(reloptions, '{}') @> ARRAY['fillfactor=${recordsFillfactor}'] AS fillfactor FROM pg_class WHERE oid = '${table}'::regclass`,
        );
        if (!options?.fillfactor) await transaction.query(`ALTER TABLE ${table} SET (fillfactor = ${recordsFillfactor})`);
        // One row per subscriber while it listens (a lease it renews): record writes notify only while one is live.
        await transaction.query(`CREATE TABLE IF NOT EXISTS ${sql.listeners} (id text PRIMARY KEY, expires_at timestamptz NOT NULL)`);
      })
      .then(() => {});
  let closed: Promise<void> | undefined;
  const sweepInterval = options.sweepEveryMs ?? sweepEveryMs;
  let lastSweep = Date.now();
  let sweeping: Promise<void> | undefined;
  // Deletes the rows that expired and were never looked at again, a batch at a time until a batch finds fewer than
  // it may take: at most one sweep at a time per store, started at most once a minute by a read or a write (the
  // backend's own enqueues, claims and acks included: a process that only runs jobs writes its records there). One
  // batch a minute fell behind any queue finishing more than ~17 jobs a second, and a worker that only ran jobs
  // never swept at all.
  const sweepSoon = () => {
    if (closed || sweeping || Date.now() - lastSweep < sweepInterval) return;
    lastSweep = Date.now();
    sweeping = (async () => {
      await ready();
      while (!closed && (await executor.query<{ n: number }>(sql.sweep(sweepBatch)))[0]!.n >= sweepBatch);
    })()
      .catch((error: unknown) => {
        // What a batch deleted stays deleted; the rest waits for the next sweep, a minute on, which starts over.
        if (!closed) sweepLog.logger?.warn("the sweep of expired job records failed; the next one starts within a minute of the next record read or write", { error, table });
      })
      .finally(() => {
        sweeping = undefined;
      });
  };
  const open = async () => {
    if (closed) throw new BackendClosedError({ backend: "postgres records" });
    await ready();
    sweepSoon();
  };
  const ttl = (ttlMs: number) => Math.ceil(ttlMs);
  // Every change notifies here, from the statement that makes it (delivered at its commit): events cost no extra statement.
  const channel = schema.recordsChannel;
  const notify = sql.notified;
  const returning = "RETURNING id, job, queue, state, attempt";
  const subscribers = new Set<() => Promise<void>>();
  // On a conflict with an expired row, the row starts over as if new.
  const kept = (column: string) => `CASE WHEN ${table}.expires_at <= now() THEN NULL ELSE ${table}.${column} END`;

  return {
    specificationVersion: RECORD_STORE_SPECIFICATION_VERSION,
    name: "postgres",
    useLogger(logger) {
      sweepLog.logger = logger;
    },
    // The backend's statements call this before each enqueue, claim and ack with records: the made tables' promise
    // itself, no promise more (postgres-records-round-trips.test.ts counts them).
    ready() {
      sweepSoon();
      return ready();
    },
    async insert(records, insertOptions) {
      await open();
      if (records.length === 0) return;
      const on = insertOptions?.transaction !== undefined && options.joinsTransactions ? createClientExecutor(transactionClient(insertOptions.transaction)) : executor;
      await on.query(`WITH inserted AS (${sql.insert(insertedSource(1))}) ${notify("inserted")}`, insertedColumns(records));
    },
    async start(record) {
      await open();
      // A live row of another queue or job is not this write's (a crafted push envelope): left alone, and the job runs.
      const [outcome] = await executor.query<{ started: string | number; foreign: boolean }>(
        `WITH row_record AS (${inMessageRow}),
         started AS (INSERT INTO ${table} (id, job, queue, state, attempt, enqueued_at, started_at, batch_id, parent_id, args, expires_at)
         SELECT $1, $2, $3, 'running', $4, $5, $6, (SELECT batch_id FROM row_record), (SELECT parent_id FROM row_record), (SELECT args FROM row_record), ${expiresAt("$7::bigint")}
         ON CONFLICT (id) DO UPDATE SET state = 'running', attempt = EXCLUDED.attempt, started_at = EXCLUDED.started_at, finished_at = NULL, run_at = NULL,
           progress = ${kept("progress")}, result = ${kept("result")}, error = ${kept("error")}, batch_id = ${kept("batch_id")}, parent_id = ${kept("parent_id")}, args = ${kept("args")},
           cancel_requested = false, expires_at = EXCLUDED.expires_at
         WHERE (${table}.state <> 'cancelled' AND NOT ${table}.cancel_requested AND ${table}.queue = EXCLUDED.queue AND ${table}.job = EXCLUDED.job) OR ${table}.expires_at <= now()
         ${returning}),
         notified AS (${notify("started")})
         SELECT (SELECT count(*) FROM started) + 0 * (SELECT count(*) FROM notified) AS started,
                EXISTS (SELECT 1 FROM ${table} WHERE id = $1 AND expires_at > now() AND (queue <> $3 OR job <> $2)) AS foreign`,
        [record.id, record.job, record.queue, record.attempt, record.enqueuedAt, record.startedAt, ttl(record.ttlMs)],
      );
      return Number(outcome!.started) > 0 || outcome!.foreign ? "running" : "cancelled";
    },
    async progress(id, progress) {
      await open();
      const [outcome] = await executor.query<{ updated: string | number }>(
        `WITH updated AS (UPDATE ${table} SET progress = $2 WHERE id = $1 AND state = 'running' AND expires_at > now() ${returning}, progress),
         moved AS (${movedFromRow("state = 'running'", { progress: "$2" }, `progress = EXCLUDED.progress WHERE ${table}.state = 'running' AND ${table}.expires_at > now()`)} ${returning}, progress),
         notified AS (${notify("(SELECT * FROM updated UNION ALL SELECT * FROM moved) AS written", ", 'progress', progress")})
         SELECT (SELECT count(*) FROM updated) + (SELECT count(*) FROM moved) + 0 * (SELECT count(*) FROM notified) AS updated`,
        [id, progress],
      );
      return Number(outcome!.updated) > 0;
    },
    async hung({ id, job, queue, attempt, error }) {
      await open();
      // As progress: the running record of this attempt and job, in job_records or moved there from its message row,
      // that row locked and read as it stands after a claim of the next attempt that was under way (as cancel does).
      const thisAttempt = (t: string) => `${t}state = 'running' AND ${t}attempt = $2::integer AND ${t}job = $4 AND ${t}queue = $5`;
      const [outcome] = await executor.query<{ updated: string | number }>(
        `WITH updated AS (UPDATE ${table} SET error = $3 WHERE id = $1 AND ${thisAttempt("")} AND expires_at > now() ${returning}),
         moved AS (${movedFromRow(thisAttempt(""), { error: "$3" }, `error = EXCLUDED.error WHERE ${thisAttempt(`${table}.`)} AND ${table}.expires_at > now()`, lockedInMessageRow)} ${returning}),
         notified AS (${notify("(SELECT * FROM updated UNION ALL SELECT * FROM moved) AS written", ", 'hung', true")})
         SELECT (SELECT count(*) FROM updated) + (SELECT count(*) FROM moved) + 0 * (SELECT count(*) FROM notified) AS updated`,
        [id, attempt, error, job, queue],
      );
      return Number(outcome!.updated) > 0;
    },
    async settle(record) {
      await open();
      await executor.query(`WITH ${sql.settle("settled", sql.withMessageFields(`SELECT * FROM ${settledSource(1, "integer")}`))} ${notify("settled")}`, settledColumns([0], [record]));
    },
    async get(id) {
      await open();
      const rows = await executor.query<RecordRow>(`SELECT ${recordColumns} FROM ${table} WHERE id = $1 AND expires_at > now() UNION ALL (${inMessageRow})`, [id]);
      return rows[0] && fromRow(rows[0]);
    },
    async cancel(id, { now, ttlMs }) {
      await open();
      // One statement: the locked read waits for a concurrent start, and the update re-checks the state it committed.
      // A waiting, held or retrying job is cancelled; a running one is marked for its worker to stop.
      // A record still in its message row moves to job_records, cancelled (or marked, when running): its row is
      // locked first, so a claim skips it until the cancel commits and then finds the cancelled record.
      const running = (t: string) => `${t}state = 'running'`;
      const cancelledSet = (t: string) => `cancel_requested = ${t}cancel_requested OR ${running(t)},
                       finished_at = CASE WHEN ${running(t)} THEN ${t}finished_at ELSE $2 END,
                       expires_at = CASE WHEN ${running(t)} THEN ${t}expires_at ELSE ${expiresAt("$3::bigint")} END,
                       state = CASE WHEN ${running(t)} THEN ${t}state ELSE 'cancelled' END`;
      const cancellable = (t: string) => `(${t}state IN ('waiting', 'retrying', 'running') OR ${t}state LIKE 'held:%') AND ${t}expires_at > now()`;
      const rows = await executor.query<{ state: string | null; changed: boolean }>(
        `WITH current AS (SELECT state FROM ${table} WHERE id = $1 AND expires_at > now() FOR UPDATE),
         changed AS (UPDATE ${table} SET ${cancelledSet("")} WHERE id = $1 AND ${cancellable("")} ${returning}),
         row_record AS (${lockedInMessageRow}),
         moved AS (
           INSERT INTO ${table} (${recordColumns}, expires_at)
           SELECT id, job, queue, CASE WHEN ${running("")} THEN state ELSE 'cancelled' END, attempt, progress, result, error, enqueued_at, started_at,
             CASE WHEN ${running("")} THEN NULL ELSE $2::bigint END, run_at, ${running("")}, batch_id, parent_id, args,
             CASE WHEN ${running("")} THEN timestamptz 'infinity' ELSE ${expiresAt("$3::bigint")} END
           FROM row_record
           ON CONFLICT (id) DO UPDATE SET ${cancelledSet(`${table}.`)} WHERE ${cancellable(`${table}.`)}
           ${returning}),
         notified AS (${notify("(SELECT * FROM changed UNION ALL SELECT * FROM moved) AS written")} AND state = 'cancelled')
         SELECT coalesce((SELECT state FROM current), (SELECT state FROM row_record)) AS state, EXISTS (SELECT 1 FROM changed) OR EXISTS (SELECT 1 FROM moved) AS changed,
           (SELECT count(*) FROM notified) AS notified`,
        [id, now, ttl(ttlMs)],
      );
      const { state, changed } = rows[0]!;
      if (state === null) return { status: "unknown" };
      if (state === "running" && changed) return { status: "requested" };
      if (changed || state === "cancelled") return { status: "cancelled" };
      return { status: "refused", state };
    },
    async list({ state, queue, job, limit, after }) {
      await open();
      const cursor = after === undefined ? undefined : decodeRecordCursor(after);
      // The partial index's own predicate, restated so the planner uses it; the row comparison walks it from the cursor.
      const rows = await executor.query<RecordRow>(
        `SELECT * FROM ${table}
         WHERE listed_state = $1 AND listed_state IS NOT NULL AND finished_at IS NOT NULL AND expires_at > now()
           AND ($2::text IS NULL OR queue = $2) AND ($3::text IS NULL OR job = $3)
           AND ($4::bigint IS NULL OR (finished_at, id COLLATE "C") < ($4::bigint, $5::text COLLATE "C"))
         ORDER BY finished_at DESC, id COLLATE "C" DESC LIMIT $6`,
        [state, queue ?? null, job ?? null, cursor?.at ?? null, cursor?.id ?? null, limit + 1],
      );
      const page = rows.slice(0, limit).map(fromRow);
      const last = page.at(-1);
      return { records: page, next: rows.length > limit && last ? encodeRecordCursor({ at: last.finishedAt ?? 0, id: last.id }) : null };
    },
    async remove(ids) {
      await open();
      if (ids.length === 0) return;
      await executor.query(`DELETE FROM ${table} WHERE id = ANY($1::text[])`, [ids]);
      if (sql.messages) await executor.query(`UPDATE ${sql.messages} SET record_job = NULL WHERE id = ANY($1::text[]) AND record_job IS NOT NULL`, [ids]);
    },
    async subscribe(listener) {
      await open();
      if (!executor.listen) throw new ConfigurationError({ field: "records.store", message: "this PostgreSQL connection cannot LISTEN (a caller's client): give the store a pool, a connection string or a PGlite database for hopper.events" });
      // A subscription holds a connection for good: with the ones held elsewhere, none might be left for queries.
      const held = (options.heldElsewhere ?? 0) + subscribers.size + 1;
      if (executor.maxConnections !== undefined && executor.maxConnections - held < 1) {
        throw new ConfigurationError({ field: "maxConnections", message: `hopper.events holds a connection of the pool for good, beside ${held - 1} held already (the queue wake-ups listen on one), which would leave none for queries: give maxConnections (or the pool's max) of at least ${held + 1}, got ${executor.maxConnections}` });
      }
      // Listened again after a dropped connection: events sent while it reconnects are missed (docs/guarantees.md).
      const unlisten = await keepListening(executor, channel, (payload) => {
        try {
          listener(JSON.parse(payload) as RecordEvent);
        } catch {
          // not ours, or a listener error the core already reports
        }
      });
      // Listening first, then leased: a write that starts once subscribe resolved sees the lease and notifies.
      const listenerId = randomUUID();
      const lease = () =>
        executor.query(
          `WITH expired AS (DELETE FROM ${sql.listeners} WHERE expires_at <= now())
           INSERT INTO ${sql.listeners} (id, expires_at) VALUES ($1, now() + $2 * interval '1 millisecond') ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
          [listenerId, listenerLeaseMs],
        );
      try {
        await lease();
      } catch (error) {
        await unlisten().catch(() => {});
        throw error;
      }
      const renewing = setInterval(() => void lease().catch(() => {}), listenerRenewMs);
      renewing.unref();
      const stop = async () => {
        if (!subscribers.delete(stop)) return;
        clearInterval(renewing);
        await executor.query(`DELETE FROM ${sql.listeners} WHERE id = $1`, [listenerId]).catch(() => {});
        await unlisten();
      };
      subscribers.add(stop);
      return stop;
    },
    close() {
      closed ??= (async () => {
        await Promise.all([...subscribers].map((stop) => stop()));
        await sweeping;
        if (options.ownsExecutor) await executor.close();
      })();
      return closed;
    },
  };
}

interface RecordRow {
  id: string;
  job: string;
  queue: string;
  state: string;
  attempt: number;
  progress: string | null;
  result: string | null;
  error: string | null;
  // bigint arrives as text (pg) or a number/bigint (PGlite).
  enqueued_at: string | number | bigint;
  started_at: string | number | bigint | null;
  finished_at: string | number | bigint | null;
  run_at: string | number | bigint | null;
  cancel_requested: boolean;
  batch_id: string | null;
  parent_id: string | null;
  args: string | null;
}

function fromRow(row: RecordRow): StoredJobRecord {
  const time = (value: string | number | bigint | null) => (value === null ? null : Number(value));
  return {
    id: row.id,
    job: row.job,
    queue: row.queue,
    enqueuedAt: Number(row.enqueued_at),
    state: row.state,
    attempt: Number(row.attempt),
    progress: row.progress,
    result: row.result,
    error: row.error,
    startedAt: time(row.started_at),
    finishedAt: time(row.finished_at),
    runAt: time(row.run_at),
    cancelRequested: row.cancel_requested === true,
    batchId: row.batch_id ?? null,
    parentId: row.parent_id ?? null,
    args: row.args ?? null,
  };
}

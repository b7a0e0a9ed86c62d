import { RECORD_KEPT_UNTIL_LATER_WRITE_MS, type InsertedRecord, type SettledRecord } from "@hopper/core";
import type { PostgresSchema } from "./postgres-schema.js";

/**
 * The record writes as SQL pieces, shared by the record store's own
 * statements and the queue statements that write records with their change
 * (enqueue, claim, ack), so a record costs no statement of its own. Each
 * piece is a data-modifying statement for a CTE, reading its rows from
 * `source`; `notified(cte)` is the pg_notify of what it wrote, which a
 * statement must reference for it to run.
 */
export interface RecordSql {
  readonly table: string;
  /**
   * The messages table when unfinished records may live in message rows (the backend's own store, migration 5):
   * an enqueue with records writes its record's fields into its message row (`record_job` and the rest), and the
   * claim starts it there. A live job_records row wins over a message row's record; any write other than the
   * enqueue and the claim moves the record into job_records (copying the message row's fields). Undefined for a
   * store of its own (SQS, Pub/Sub, another database), which keeps every record in job_records. (#20)
   */
  readonly messages: string | undefined;
  /** Rows `(id, job, queue, enqueued_at, run_at, ttl_ms, batch_id, parent_id, args)`: a waiting record for each id without a live one. */
  insert(source: string): string;
  /**
   * CTEs (for a WITH list) ending in `name`, which returns what they wrote: from the query `rows` yielding
   * `(id, job, queue, state, attempt, result, error, enqueued_at, finished_at, run_at, ttl_ms)`, one per id,
   * ends an attempt; a cancelled record, or a live one of another queue or job, stays.
   */
  settle(name: string, rows: string): string;
  /**
   * As `settle`, for an ack whose finished records are mostly new rows (records kept in message rows until then):
   * job_records is probed once per row, the rows found are updated (or left alone, as `settle` would), and only the
   * rows not found are inserted, without ON CONFLICT. A row another transaction inserted after the statement began
   * fails it with a unique violation (`isRecordInsertConflict`): run it again with `settle`. (#20: the speculative
   * insertion of an upsert is 48 B of WAL and a third of the insert's CPU.)
   */
  settleInserting(name: string, rows: string): string;
  /** `(id, job, queue, state, attempt)` rows of `source` (with `id`, and `job` null for a message without a record) whose record the enqueue wrote into the message row: none live in job_records. */
  enqueuedInRows(source: string): string;
  /** The record of job `id` kept in its newest message row, in job_records' columns (`recordColumns`); no row when a live job_records row is the record. Only with `messages`. */
  inMessageRow(id: string): string;
  /**
   * Rows for \`settle\` from a query yielding settled columns with \`id\`: each with the fields a record in its message
   * row keeps (\`batch_id, parent_id, args, started_at\`), null when it has none, for a settle that moves it to job_records.
   */
  withMessageFields(rows: string): string;
  /**
   * Deletes up to `limit` expired rows (the retention sweep) and answers `n`, how many: found by
   * job_records_expiring_idx (skipping rows another transaction holds: a write reusing the id, or another sweep),
   * deleted by the primary key, and only if still expired when locked.
   */
  sweep(limit: number): string;
  /** Subscribers listening now (`subscribe` keeps a row leased here while it listens). */
  readonly listeners: string;
  /** Notifies each row a piece returned, only while someone listens; select from it (`SELECT count(*) FROM (…)`) so it runs. Ends in a WHERE clause: `AND …` narrows it. */
  notified(cte: string, extra?: string): string;
}

/** The columns a settle inserts from its rows as they are (`expires_at` is made from their `ttl_ms`). */
const settledInsertColumns = "id, job, queue, state, attempt, result, error, enqueued_at, finished_at, run_at, started_at, batch_id, parent_id, args";

/** A settle row's columns, as `jsonb_to_record` reads them back from the settle's jsonb object of rows. */
const settledRowColumns = "id text, job text, queue text, state text, attempt integer, result text, error text, enqueued_at bigint, finished_at bigint, run_at bigint, ttl_ms bigint, started_at bigint, batch_id text, parent_id text, args text";

/** Whether a statement failed on a job_records row that `settleInserting` met after all: run `settle` instead. */
export function isRecordInsertConflict(error: unknown): boolean {
  // By table, not constraint name: a restored or renamed schema may call the key job_records_pkey1. PGlite's errors name no table.
  const { code, table } = (error ?? {}) as { code?: unknown; table?: unknown };
  return code === "23505" && (table === undefined || table === "job_records");
}

/**
 * `expires_at` for a write with ttl `ttlMs` (an SQL expression). A record kept until a later write is stored
 * as `infinity`: job_records_expiring_idx holds only rows that can expire, so the writes of unfinished jobs
 * (the enqueue's insert and the claim's start, two of a job's three) cost no entry in it.
 */
export function expiresAt(ttlMs: string): string {
  return `CASE WHEN ${ttlMs} >= ${RECORD_KEPT_UNTIL_LATER_WRITE_MS} THEN timestamptz 'infinity' ELSE now() + ${ttlMs} * interval '1 millisecond' END`;
}

/**
 * A condition on job_records (`alias`) that bounds its scan to the ids `ids` (a query) by the primary key, whatever the
 * statistics say. Joined by id alone, an ack's settle that met job_records read as empty (a vacuum found it empty and
 * kept its pages, until the next analyze) walked its whole primary key once per row (1,000 acks against 20,000
 * records: 40 million rows, 2.7 s; benchmarks/results/postgres-token-lookup-2026-12-05.md §4). The planner guesses 10
 * ids, so a scan so bounded must join no list of rows: it would read the list once per row found (the claim's lookup,
 * bounded and joined, was ~10x slower on healthy statistics when its records lived in job_records).
 */
export function recordsWithIds(alias: string, ids: string): string {
  return `${alias}.id = ANY(ARRAY(${ids}))`;
}

/**
 * The rows of the query `rows` whose id is among those the query `ids` gives, each found by key in a jsonb object of
 * those ids (built once): no join, so no plan reads either list once per row of the other, whatever the planner
 * guesses of their sizes. When `ids` gives none, the object is null and no row passes.
 */
export function rowsWithIdsIn(rows: string, ids: string): string {
  return `SELECT * FROM (${rows}) r WHERE (SELECT jsonb_object_agg(i.id, true) FROM (${ids}) i) ? r.id`;
}

/** job_records' columns in order: `get` reads a job_records row and a message row's record alike. */
export const recordColumns = "id, job, queue, state, attempt, progress, result, error, enqueued_at, started_at, finished_at, run_at, cancel_requested, batch_id, parent_id, args";

/**
 * The record a message row keeps (alias `m`): waiting until a claim leases it, then running (a lease that ran out
 * still says running until the next claim, as a job_records record does); its attempt is the claim's counted one.
 */
function messageRowRecord(): string {
  // A claim notes when it started the record; a lease without it (takeScheduled's, moving a job away) is no run.
  const leased = "m.locked_until IS NOT NULL AND m.record_started_at IS NOT NULL";
  return `m.id, m.record_job AS job, m.queue, CASE WHEN ${leased} THEN 'running' ELSE 'waiting' END AS state, m.attempts - m.handed_back AS attempt,
    NULL::text AS progress, NULL::text AS result, NULL::text AS error, m.record_enqueued_at AS enqueued_at, CASE WHEN ${leased} THEN m.record_started_at END AS started_at,
    NULL::bigint AS finished_at, CASE WHEN ${leased} THEN NULL ELSE m.record_run_at END AS run_at, false AS cancel_requested,
    m.record_batch_id AS batch_id, m.record_parent_id AS parent_id, m.record_args AS args`;
}

export function recordSql(schema: PostgresSchema, options: { readonly messageRows: boolean }): RecordSql {
  const table = `${schema.quoted}.job_records`;
  const messages = options.messageRows ? `${schema.quoted}.messages` : undefined;
  // OFFSET 0 keeps the EXISTS a subquery run per row, by the primary key: as an anti-join, on statistics that read
  // job_records as empty the planner hashed a walk of its whole primary key (see recordsWithIds).
  const noLiveRow = (id: string) => `NOT EXISTS (SELECT 1 FROM ${table} live WHERE live.id = ${id} AND live.expires_at > now() OFFSET 0)`;
  const returning = "RETURNING id, job, queue, state, attempt";
  // On a conflict with an expired row, the row starts over as if new.
  const kept = (column: string) => `CASE WHEN ${table}.expires_at <= now() THEN NULL ELSE ${table}.${column} END`;
  const channel = schema.recordsChannel;
  const listeners = `${schema.quoted}.job_record_listeners`;
  // A settle's writes. An expired row starts over with the fields its message row kept (null without one).
  const keptOr = (s: string, column: string) => `CASE WHEN ${table}.expires_at <= now() THEN ${s}.${column} ELSE ${table}.${column} END`;
  const writes = (s: string, expires: string): [column: string, value: string][] => [
    ["state", `${s}.state`], ["attempt", `${s}.attempt`], ["result", `${s}.result`], ["error", `${s}.error`], ["finished_at", `${s}.finished_at`], ["run_at", `${s}.run_at`],
    ["progress", kept("progress")], ["started_at", keptOr(s, "started_at")], ["batch_id", keptOr(s, "batch_id")], ["parent_id", keptOr(s, "parent_id")], ["args", keptOr(s, "args")],
    ["cancel_requested", `${table}.cancel_requested AND ${table}.expires_at > now()`], ["expires_at", expires],
  ];
  const set = (s: string, expires: string) => writes(s, expires).map(([column, value]) => `${column} = ${value}`).join(", ");
  // A cancelled record, or a live one of another queue or job, stays.
  const writable = (queue: string, job: string) => `(${table}.state <> 'cancelled' AND ${table}.queue = ${queue} AND ${table}.job = ${job}) OR ${table}.expires_at <= now()`;
  // CTEs ending in `${name}_updated`: a settle's update of the job_records rows whose ids the query `ids` gives, each
  // written from its row of `values` (a CTE of settle rows, one per id) found by key in one jsonb object rather than
  // joined. Joined, the planner put the rows on the inner side of a nested loop whenever it took the ids for few (it
  // guesses 10 for an array), reading them once per record (an ack of 1,000 records kept in job_records: ~2,000,000
  // rows handled). The object is a CTE read by the SET and the WHERE: built once, and only when a row is updated.
  const settledUpdate = (name: string, ids: string, values: string) => {
    const row = `(SELECT rows FROM ${name}_object) -> ${table}.id`;
    const written = writes("s", expiresAt("s.ttl_ms"));
    return `${name}_object AS (SELECT jsonb_object_agg(v.id, to_jsonb(v)) AS rows FROM ${values} v),
       ${name}_updated AS (
         UPDATE ${table} SET (${written.map(([column]) => column).join(", ")}) = (SELECT ${written.map(([, value]) => value).join(", ")} FROM jsonb_to_record(${row}) AS s(${settledRowColumns}))
         WHERE ${recordsWithIds(table, ids)} AND (${writable(`(${row}) ->> 'queue'`, `(${row}) ->> 'job'`)})
         RETURNING ${table}.id, ${table}.job, ${table}.queue, ${table}.state, ${table}.attempt)`;
  };
  return {
    table,
    insert: (source) =>
      `INSERT INTO ${table} (id, job, queue, state, attempt, enqueued_at, run_at, batch_id, parent_id, args, expires_at)
       SELECT id, job, queue, 'waiting', 0, enqueued_at, run_at, batch_id, parent_id, args, ${expiresAt("ttl_ms")} FROM ${source}
       ON CONFLICT (id) DO UPDATE SET job = EXCLUDED.job, queue = EXCLUDED.queue, state = 'waiting', attempt = 0, progress = NULL, result = NULL, error = NULL,
         enqueued_at = EXCLUDED.enqueued_at, started_at = NULL, finished_at = NULL, run_at = EXCLUDED.run_at, cancel_requested = false,
         batch_id = EXCLUDED.batch_id, parent_id = EXCLUDED.parent_id, args = EXCLUDED.args, expires_at = EXCLUDED.expires_at
       WHERE ${table}.expires_at <= now()
       ${returning}`,
    // An UPDATE of the rows that exist (a job's record was inserted by its enqueue), and an insert only for
    // those the update did not write: an upsert of every row (INSERT … ON CONFLICT DO UPDATE) costs each
    // ack a speculative insertion and a tuple lock (a WAL record of its own) before the update. (#20)
    settle: (name, rows) => {
      return `${name}_rows AS (${rows}),
       ${settledUpdate(name, `SELECT id FROM ${name}_rows`, `${name}_rows`)},
       ${name}_inserted AS (
         INSERT INTO ${table} (${settledInsertColumns}, expires_at)
         SELECT ${settledInsertColumns}, ${expiresAt("ttl_ms")} FROM ${name}_rows
         WHERE id NOT IN (SELECT id FROM ${name}_updated)
         ON CONFLICT (id) DO UPDATE SET ${set("EXCLUDED", "EXCLUDED.expires_at")}
         WHERE ${writable("EXCLUDED.queue", "EXCLUDED.job")}
         ${returning}),
       ${name} AS (SELECT * FROM ${name}_updated UNION ALL SELECT * FROM ${name}_inserted)`;
    },
    // The update reads the rows `found` (none, mostly), so the probe is not made twice, and its object holds those
    // rows alone (a batch with one record kept in job_records builds an object of one row). A live row found but left
    // alone (cancelled, another job's) is not inserted either: meeting it would fail the statement, and a failed
    // statement costs the pool its connection. An expired row found and deleted meanwhile (the sweep) is inserted,
    // as `settle` would.
    settleInserting: (name, rows) =>
      `${name}_rows AS (${rows}),
       ${name}_found AS (SELECT ${table}.id, ${table}.expires_at > now() AS live FROM ${table} WHERE ${recordsWithIds(table, `SELECT id FROM ${name}_rows`)}),
       ${settledUpdate(name, `SELECT id FROM ${name}_found`, `(${rowsWithIdsIn(`SELECT * FROM ${name}_rows`, `SELECT id FROM ${name}_found`)})`)},
       ${name}_inserted AS (
         INSERT INTO ${table} (${settledInsertColumns}, expires_at)
         SELECT ${settledInsertColumns}, ${expiresAt("ttl_ms")} FROM ${name}_rows
         WHERE id NOT IN (SELECT id FROM ${name}_updated) AND id NOT IN (SELECT id FROM ${name}_found WHERE live)
         ${returning}),
       ${name} AS (SELECT * FROM ${name}_updated UNION ALL SELECT * FROM ${name}_inserted)`,
    messages,
    enqueuedInRows: (source) => `SELECT id, job, queue, 'waiting' AS state, 0 AS attempt FROM ${source} WHERE job IS NOT NULL AND ${noLiveRow("id")}`,
    inMessageRow: (id) => {
      if (!messages) throw new Error("inMessageRow: this store keeps no record in message rows");
      // seq + 0: the newest row of the id, found by messages_record_idx and sorted (an id has one or two rows). Ordered
      // by the column, the planner may walk the whole primary key backwards when statistics read the table as empty.
      return `SELECT ${messageRowRecord()} FROM ${messages} m WHERE m.id = ${id} AND m.record_job IS NOT NULL AND ${noLiveRow("m.id")} ORDER BY m.seq + 0 DESC LIMIT 1`;
    },
    withMessageFields: (rows) =>
      messages
        ? `SELECT r.*, m.record_batch_id AS batch_id, m.record_parent_id AS parent_id, m.record_args AS args, CASE WHEN m.locked_until IS NOT NULL THEN m.record_started_at END AS started_at
           FROM (${rows}) r LEFT JOIN LATERAL (SELECT * FROM ${messages} m WHERE m.id = r.id AND m.record_job IS NOT NULL ORDER BY m.seq + 0 DESC LIMIT 1) m ON true`
        : `SELECT r.*, NULL::text AS batch_id, NULL::text AS parent_id, NULL::text AS args, NULL::bigint AS started_at FROM (${rows}) r`,
    // By an array of ids, not `id IN (…)`: as a semi-join, on job_records read as empty the planner walked its primary
    // key and read the expired ids once per row (50,000 live records and 5,000 expired: 218,070,500 rows handled, 24 s).
    // The condition is checked again on the row as locked: the ids were chosen on the statement's snapshot, and a
    // record written again since (an ack or an enqueue reusing an expired row) is live (it was deleted). In expiry
    // order, so the expiring index is read in order and stops at the limit: unordered, a bitmap scan could read every
    // expired entry for each batch, slower batch after batch through a backlog (review of 1e73fa1).
    sweep: (limit) =>
      `WITH swept AS (
         DELETE FROM ${table} WHERE ${recordsWithIds(table, `SELECT expired.id FROM ${table} expired WHERE expired.expires_at <= now() AND expired.expires_at < 'infinity' ORDER BY expired.expires_at LIMIT ${Math.trunc(limit)} FOR UPDATE SKIP LOCKED`)}
         AND ${table}.expires_at <= now() RETURNING 1)
       SELECT count(*)::int AS n FROM swept`,
    listeners,
    // A NOTIFY nobody listens to still costs the server (each payload built, queued at commit, read past by every
    // LISTENing session of the database, the workers' queue wake-ups included): sent only while a subscriber's row is live.
    // The uncorrelated EXISTS runs once per statement. (#20)
    notified: (cte, extra = "") =>
      `SELECT pg_notify('${channel}', json_build_object('id', id, 'job', job, 'queue', queue, 'state', state, 'attempt', attempt${extra})::text) FROM ${cte}
       WHERE EXISTS (SELECT 1 FROM ${listeners} WHERE expires_at > now())`,
  };
}

// Record rows travel as one JSON parameter read by json_to_recordset, not an array per column: the driver
// builds each array literal element by element (escaping every one), which with twelve columns per acked
// job was about half the garbage records added to a drain. The JSON text is concatenated here, field by
// field, rather than made by JSON.stringify of an object per row: a third of the Node time per row
// (micro-benchmark of 1,000 enqueued records: 6.3–7.0 → 1.9–2.6 µs each), no object per row. (#20)

/**
 * Text PostgreSQL keeps as UTF-8: a lone surrogate becomes U+FFFD, as the
 * driver encodes it in a message's own columns, rather than the JSON escape
 * PostgreSQL refuses (which would fail the enqueue or ack carrying it).
 */
function utf8Text(text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed();
}

/** A JSON string (null when absent). */
export function jsonText(text: string | null | undefined): string {
  return text === undefined || text === null ? "null" : JSON.stringify(utf8Text(text));
}

/** A JSON number (null when absent or not finite). */
function jsonNumber(value: number | null | undefined): string {
  return typeof value === "number" && Number.isFinite(value) ? String(value) : "null";
}

// A field a row does not have is left out rather than written as null: json_to_recordset reads a missing
// key as NULL, and a succeeded job's settle row (no error, no run_at) or a plain job's insert row (no
// run_at, batch or parent) is shorter to build, to count and to send. (#20)

/** `,"name":"text"`, or nothing when absent. */
function optionalText(name: string, text: string | null | undefined): string {
  return text === undefined || text === null ? "" : `,"${name}":${jsonText(text)}`;
}

/** `,"name":n`, or nothing when absent or not finite. */
function optionalNumber(name: string, value: number | null | undefined): string {
  return typeof value === "number" && Number.isFinite(value) ? `,"${name}":${value}` : "";
}

/** The rows `insert` reads, from the JSON parameter `$first` (`insertedColumns`). */
export function insertedSource(first: number): string {
  return `json_to_recordset($${first}::json) AS r(id text, job text, queue text, enqueued_at bigint, run_at bigint, ttl_ms bigint, batch_id text, parent_id text, args text)`;
}

export function insertedColumns(records: readonly InsertedRecord[]): unknown[] {
  let rows = "[";
  for (let index = 0; index < records.length; index++) {
    const r = records[index]!;
    rows += `${index === 0 ? "" : ","}{"id":${jsonText(r.id)},"job":${jsonText(r.job)},"queue":${jsonText(r.queue)},"enqueued_at":${jsonNumber(r.enqueuedAt)},"ttl_ms":${jsonNumber(Math.ceil(r.ttlMs))}${optionalNumber("run_at", r.runAt)}${optionalText("batch_id", r.batchId)}${optionalText("parent_id", r.parentId)}${optionalText("args", r.args)}}`;
  }
  return [`${rows}]`];
}

/** The rows `settle` reads, with a key of the caller's (`key`, of `keyType`), from the JSON parameter `$first` (`settledColumns`). */
export function settledSource(first: number, keyType: string): string {
  return `json_to_recordset($${first}::json)
    AS r(key ${keyType}, id text, job text, queue text, state text, attempt integer, result text, error text, enqueued_at bigint, finished_at bigint, run_at bigint, ttl_ms bigint)`;
}

export function settledColumns(keys: readonly unknown[], records: readonly SettledRecord[]): unknown[] {
  let rows = "[";
  for (let index = 0; index < records.length; index++) {
    const r = records[index]!;
    rows += `${index === 0 ? "" : ","}{"key":${JSON.stringify(keys[index] ?? null)},"id":${jsonText(r.id)},"job":${jsonText(r.job)},"queue":${jsonText(r.queue)},"state":${jsonText(r.state)},"attempt":${jsonNumber(r.attempt)},"enqueued_at":${jsonNumber(r.enqueuedAt)},"ttl_ms":${jsonNumber(Math.ceil(r.ttlMs))}${optionalText("result", r.result)}${optionalText("error", r.error)}${optionalNumber("finished_at", r.finishedAt)}${optionalNumber("run_at", r.runAt)}}`;
  }
  return [`${rows}]`];
}

/** The message-row record fields of an enqueued batch, from the JSON parameter `$first` (`messageRowColumns`), one row per message, for ROWS FROM. */
export function messageRowSource(first: number): string {
  return `json_to_recordset($${first}::json) AS (job text, enqueued_at bigint, run_at bigint, batch_id text, parent_id text, args text)`;
}

/** The columns `messageRowSource` names, as ROWS FROM's alias names them (after the batch's own). */
export const messageRowAliases = "record_job, record_enqueued_at, record_run_at, record_batch_id, record_parent_id, record_args";

/** One JSON object per message, in order: its record's fields, or `{}` (all null) for a message without one. */
export function messageRowColumns(records: readonly (InsertedRecord | undefined)[]): unknown[] {
  let rows = "[";
  for (let index = 0; index < records.length; index++) {
    const r = records[index];
    rows += index === 0 ? "" : ",";
    rows += r === undefined ? "{}" : `{"job":${jsonText(r.job)},"enqueued_at":${jsonNumber(r.enqueuedAt)}${optionalNumber("run_at", r.runAt)}${optionalText("batch_id", r.batchId)}${optionalText("parent_id", r.parentId)}${optionalText("args", r.args)}}`;
  }
  return [`${rows}]`];
}

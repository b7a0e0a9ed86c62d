import type { InsertedRecord, SettledRecord } from "@hopper/core";
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
  /** Rows `(id, job, queue, enqueued_at, run_at, ttl_ms)`: a waiting record for each id without a live one. */
  insert(source: string): string;
  /** Rows `(id, job, queue, state, attempt, result, error, enqueued_at, finished_at, run_at, ttl_ms)`, one per id: ends an attempt; a cancelled record, or a live one of another queue or job, stays. */
  settle(source: string): string;
  /** Notifies each row a piece returned; select from it (`SELECT count(*) FROM (…)`) so it runs. */
  notified(cte: string, extra?: string): string;
}

export function recordSql(schema: PostgresSchema): RecordSql {
  const table = `${schema.quoted}.job_records`;
  const returning = "RETURNING id, job, queue, state, attempt";
  // On a conflict with an expired row, the row starts over as if new.
  const kept = (column: string) => `CASE WHEN ${table}.expires_at <= now() THEN NULL ELSE ${table}.${column} END`;
  const channel = `${schema.channel}_records`;
  return {
    table,
    insert: (source) =>
      `INSERT INTO ${table} (id, job, queue, state, attempt, enqueued_at, run_at, expires_at)
       SELECT id, job, queue, 'waiting', 0, enqueued_at, run_at, now() + ttl_ms * interval '1 millisecond' FROM ${source}
       ON CONFLICT (id) DO UPDATE SET job = EXCLUDED.job, queue = EXCLUDED.queue, state = 'waiting', attempt = 0, progress = NULL, result = NULL, error = NULL,
         enqueued_at = EXCLUDED.enqueued_at, started_at = NULL, finished_at = NULL, run_at = EXCLUDED.run_at, cancel_requested = false, expires_at = EXCLUDED.expires_at
       WHERE ${table}.expires_at <= now()
       ${returning}`,
    settle: (source) =>
      `INSERT INTO ${table} (id, job, queue, state, attempt, result, error, enqueued_at, finished_at, run_at, expires_at)
       SELECT id, job, queue, state, attempt, result, error, enqueued_at, finished_at, run_at, now() + ttl_ms * interval '1 millisecond' FROM ${source}
       ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, attempt = EXCLUDED.attempt, result = EXCLUDED.result, error = EXCLUDED.error,
         finished_at = EXCLUDED.finished_at, run_at = EXCLUDED.run_at, progress = ${kept("progress")}, started_at = ${kept("started_at")},
         cancel_requested = ${table}.cancel_requested AND ${table}.expires_at > now(), expires_at = EXCLUDED.expires_at
       WHERE (${table}.state <> 'cancelled' AND ${table}.queue = EXCLUDED.queue AND ${table}.job = EXCLUDED.job) OR ${table}.expires_at <= now()
       ${returning}`,
    notified: (cte, extra = "") => `SELECT pg_notify('${channel}', json_build_object('id', id, 'job', job, 'queue', queue, 'state', state, 'attempt', attempt${extra})::text) FROM ${cte}`,
  };
}

/** `unnest` of six arrays starting at parameter `$first`, as `insert` reads them; with `insertedColumns`, the parameters. */
export function insertedSource(first: number): string {
  const p = (offset: number) => `$${first + offset}`;
  return `unnest(${p(0)}::text[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::bigint[], ${p(4)}::bigint[], ${p(5)}::bigint[]) AS r(id, job, queue, enqueued_at, run_at, ttl_ms)`;
}

export function insertedColumns(records: readonly InsertedRecord[]): unknown[] {
  return [records.map((r) => r.id), records.map((r) => r.job), records.map((r) => r.queue), records.map((r) => r.enqueuedAt), records.map((r) => r.runAt), records.map((r) => Math.ceil(r.ttlMs))];
}

/** `unnest` of twelve arrays starting at `$first`: a key of the caller's (`key`, first) then the columns `settle` reads. */
export function settledSource(first: number, keyType: string): string {
  const p = (offset: number) => `$${first + offset}`;
  return `unnest(${p(0)}::${keyType}[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::text[], ${p(5)}::integer[], ${p(6)}::text[], ${p(7)}::text[], ${p(8)}::bigint[], ${p(9)}::bigint[], ${p(10)}::bigint[], ${p(11)}::bigint[])
    AS r(key, id, job, queue, state, attempt, result, error, enqueued_at, finished_at, run_at, ttl_ms)`;
}

export function settledColumns(keys: readonly unknown[], records: readonly SettledRecord[]): unknown[] {
  return [
    keys,
    records.map((r) => r.id),
    records.map((r) => r.job),
    records.map((r) => r.queue),
    records.map((r) => r.state),
    records.map((r) => r.attempt),
    records.map((r) => r.result ?? null),
    records.map((r) => r.error ?? null),
    records.map((r) => r.enqueuedAt),
    records.map((r) => r.finishedAt ?? null),
    records.map((r) => r.runAt ?? null),
    records.map((r) => Math.ceil(r.ttlMs)),
  ];
}

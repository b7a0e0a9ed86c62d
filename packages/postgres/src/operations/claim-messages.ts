import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";
import { expiresAt, recordsWithIds, rowsWithIdsIn, type RecordSql } from "../postgres-record-sql.js";
import { REPLANNED } from "./statement-text.js";
import { whenNotMigrated } from "./schema-function.js";

export interface ClaimedMessage {
  /** Row identity (bigint as text). */
  readonly seq: string;
  readonly id: string;
  readonly body: string;
  /** Deliveries including this one; with `seq`, the lease token. */
  readonly attempts: number;
  /** `attempts` less the deliveries handed back uncounted: the delivery attempt reported. */
  readonly counted: number;
  /** With records: "running" when this statement started the record, "cancelled" when it is cancelled, else null. */
  readonly record?: "running" | "cancelled" | null;
}

/**
 * Leases up to `maxMessages` ready messages of one queue: highest priority
 * first, then the longest due, then FIFO (the order of messages_due_idx); a
 * message with an ordering key only when it is the oldest left of its key.
 * SKIP LOCKED lets concurrent claimers take disjoint rows without waiting on
 * each other. The choice and the update are `<schema>.claim_messages()`
 * (migrations 6 and 8), whose planner settings leave reading the index in order as
 * the only cheap plan, whatever the statistics say of the queue. The lease
 * runs on the database clock. The update finds each locked row by its primary
 * key (migration 8), so a ready row changed by a commit after the claim's
 * snapshot (a record removed) is leased and returned by this claim, in the
 * version it holds locked; migration 6's function found rows by ctid and
 * skipped such a row (postgres-claim-race.test.ts). The function is PL/pgSQL,
 * whose kept plan pays for the key probe
 * (benchmarks/results/postgres-claim-skip-2026-12-05.md). On a schema not yet
 * migrated to 8 the claim is migration 6's, skips included.
 *
 * With `records` (the backend writes its own), the same statement moves the
 * record of each claimed message to running (attempt = its counted deliveries),
 * when the record is live, of this queue and not cancelled. A record kept in
 * the message row (no live job_records row) is running by the claim itself:
 * the row's lease says so, and the claim notes when it started.
 *
 * In: queue, maxMessages, leaseMs, record ttl. Out: the claimed messages, in claim order.
 */
export async function claimMessages(executor: SqlExecutor, schema: PostgresSchema, input: { queue: string; maxMessages: number; leaseMs: number; recordTtlMs?: number }, records?: RecordSql): Promise<ClaimedMessage[]> {
  const withRecords = records !== undefined && input.recordTtlMs !== undefined;
  const inRows = withRecords && records.messages !== undefined;
  return executor.query<ClaimedMessage>(
    `WITH claimed AS (
       -- The LIMIT only tells the planner how many rows come (a function is taken for 1,000).
       SELECT * FROM ${schema.quoted}.claim_messages($1, $2, $3, ${inRows}) LIMIT $2
     )${withRecords ? startRecords(records) : ""}
     -- UPDATE … RETURNING keeps no order; restore the claim order (by the bigint seq: the output's seq is text).
     SELECT seq::text AS seq, id, body, attempts, counted${withRecords ? recordColumn(records) : ""} FROM claimed ORDER BY claimed.priority DESC, claimed.due, claimed.seq`,
    withRecords ? [input.queue, input.maxMessages, input.leaseMs, Math.ceil(input.recordTtlMs!)] : [input.queue, input.maxMessages, input.leaseMs],
    REPLANNED,
  ).catch(whenNotMigrated(schema, { name: "claim_messages", migration: 6, neededBy: "claims" }));
}

const epochMs = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

// A record of another queue's job is never touched: a message names only its own queue's records.
// job_records is looked up once per claimed row (`records_live`), and the start, the cancelled answer and the records
// kept in message rows are read from that: a claimed row whose record is in its message row (every job enqueued
// since migration 5) costs one probe there, not three, and the start's update probes only the rows found. (#20)
// Neither joins a list: both read job_records by an array of ids, and the start finds each record's attempt by key in
// a jsonb object of the claimed rows whose record was found (built only when a record is started). Joined, the lookup
// hashed a walk of all job_records on statistics that read it as empty, and the start read the found rows once per
// record (1,000 records kept in job_records: 2,071,001 rows handled).
function startRecords(records: RecordSql): string {
  // Started in the message row: a record the enqueue wrote there, with no live job_records row (which would be the record).
  const inRows = records.messages
    ? `, records_in_rows AS (
       SELECT c.id, c.record_job AS job, $1::text AS queue, 'running' AS state, c.counted AS attempt FROM claimed c
       WHERE c.record_job IS NOT NULL AND c.id NOT IN (SELECT id FROM records_live)
     )`
    : "";
  const attempts = `SELECT jsonb_object_agg(c.id, c.counted) FROM (${rowsWithIdsIn("SELECT id, counted FROM claimed", "SELECT id FROM records_live")}) c`;
  return `, records_live AS (
       SELECT r.id, r.queue, r.state, r.cancel_requested FROM ${records.table} r WHERE ${recordsWithIds("r", "SELECT id FROM claimed")} AND r.expires_at > now()
     ), records_started AS (
       UPDATE ${records.table} r SET state = 'running', attempt = ((${attempts}) ->> r.id)::integer,
         started_at = ${epochMs}, finished_at = NULL, run_at = NULL, expires_at = ${expiresAt("$4::bigint")}
       WHERE ${recordsWithIds("r", "SELECT id FROM records_live")} AND r.queue = $1 AND r.expires_at > now() AND r.state <> 'cancelled' AND NOT r.cancel_requested
       RETURNING r.id, r.job, r.queue, r.state, r.attempt
     ), records_cancelled AS (
       SELECT id FROM records_live WHERE queue = $1 AND (state = 'cancelled' OR cancel_requested)
     )${inRows}, records_notified AS (${records.notified(records.messages ? "(SELECT * FROM records_started UNION ALL SELECT * FROM records_in_rows) AS started" : "records_started")})`;
}

function recordColumn(records: RecordSql): string {
  return `,
       CASE WHEN id IN (SELECT id FROM records_started) THEN 'running' WHEN id IN (SELECT id FROM records_cancelled) THEN 'cancelled'${records.messages ? " WHEN id IN (SELECT id FROM records_in_rows) THEN 'running'" : ""} END AS record,
       (SELECT count(*) FROM records_notified) AS notified`;
}

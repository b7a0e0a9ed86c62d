import type { SqlExecutor } from "../postgres-executor.js";
import type { SettledRecord } from "@hopper/core";
import type { PostgresSchema } from "../postgres-schema.js";
import { isRecordInsertConflict, type RecordSql } from "../postgres-record-sql.js";
import { ackedRecordColumns, ackedRecordRows } from "./acked-records.js";
import { REPLANNED, statementText } from "./statement-text.js";
import { tokenKey, tokenObject } from "./token-lookup.js";

export interface LeaseToken {
  readonly seq: string;
  readonly attempts: number;
}

/** A lease token, and the record its ack settles (when the backend writes its own), with its message's id when known. */
export interface AckItem extends LeaseToken {
  readonly record?: SettledRecord;
  readonly messageId?: string;
}

/**
 * Acks: deletes each message whose lease is still ours (same delivery count),
 * freeing its dedupe key. Removing the head of an ordering key makes the
 * next message of that key claimable, so those queues are notified.
 *
 * With `records`, the same statement settles the record an ack carries, only
 * when it deleted that ack's message (a stale lease writes no record).
 *
 * In: lease tokens (with records). Out: nothing; stale tokens are skipped.
 */
export async function deleteMessages(executor: SqlExecutor, schema: PostgresSchema, tokens: readonly AckItem[], records?: RecordSql): Promise<void> {
  if (tokens.length === 0) return;
  const settled = records ? tokens.filter((token) => token.record !== undefined) : [];
  const seqs = tokens.map((token) => token.seq);
  if (settled.length === 0) {
    await executor.query(statementText(schema, "ack", () => deleteText(schema, undefined)), [seqs, tokenObject(tokens, () => "0"), schema.channel], REPLANNED);
    return;
  }
  // Each token's value is its record's place among `settled` (from 1; 0 without one), counted in settled's order.
  // Those without a record come first: of one token given twice in a batch, once with a record, the record wins.
  let place = 0;
  const places = tokenObject(settled.length === tokens.length ? tokens : [...tokens.filter((token) => token.record === undefined), ...settled], (token) =>
    token.record === undefined ? "0" : String(++place),
  );
  const withRecords = [seqs, places, schema.channel, ...ackedRecordColumns(settled as readonly (AckItem & { record: SettledRecord })[])];
  if (!records!.messages) {
    await executor.query(statementText(schema, "ack with records", () => deleteText(schema, records, "upsert")), withRecords, REPLANNED);
    return;
  }
  try {
    await executor.query(statementText(schema, "ack with records in rows", () => deleteText(schema, records, "insert")), withRecords, REPLANNED);
  } catch (error) {
    if (!isRecordInsertConflict(error)) throw error;
    // A finished record's row was inserted after the statement began (a cancel or progress moving the record out of
    // its message row): the statement changed nothing; the upsert settles it.
    await executor.query(statementText(schema, "ack with records in rows, upsert", () => deleteText(schema, records, "upsert")), withRecords, REPLANNED);
  }
}

/**
 * The ack statement; with `records`, it also settles the records of the messages it deleted, from parameters $4 on
 * (`ackedRecordColumns`, each deleted row finding its record's place in the token object),
 * by `settle` ("upsert") or `settleInserting` ("insert": records kept in message rows are new rows when they finish).
 * A record its message row kept moves to job_records with the fields the row returns as it goes.
 */
function deleteText(schema: PostgresSchema, records: RecordSql | undefined, write: "upsert" | "insert" = "upsert"): string {
  const rowFields = records?.messages
    ? "d.record_batch_id AS batch_id, d.record_parent_id AS parent_id, d.record_args AS args, d.record_started_at AS started_at"
    : "NULL::text AS batch_id, NULL::text AS parent_id, NULL::text AS args, NULL::bigint AS started_at";
  const recordCtes = !records
    ? ""
    : // Each record is read by the row its own token deleted (a stale token deletes no row, so its record is not
      // taken). Only the update of records kept in job_records builds a jsonb object, of the rows found there alone.
      `, ${(write === "insert" ? records.settleInserting : records.settle)("records_settled", ackedRecordRows(4, "deleted", rowFields))},
     records_notified AS (${records.notified("records_settled")})`;
  return `WITH deleted AS (
       DELETE FROM ${schema.quoted}.messages m
       -- seq = ANY bounds the scan by the primary key whatever the statistics say: after a vacuum that found
       -- the table empty (reltuples 0), the planner scanned the whole primary key once per batch. The token is
       -- found by its key, without a join (token-lookup.ts).
       WHERE m.seq = ANY($1::bigint[]) AND $2::jsonb ? ${tokenKey("m")}
       RETURNING m.seq, m.attempts, m.queue, m.ordering_key${records ? `, m.id, ($2::jsonb ->> ${tokenKey("m")})::integer AS at` : ""}${records?.messages ? ", m.record_batch_id, m.record_parent_id, m.record_args, m.record_started_at" : ""}
     )${recordCtes}
     SELECT count(pg_notify($3, queue))${records ? " + (SELECT count(*) FROM records_notified)" : ""} FROM (SELECT DISTINCT queue FROM deleted WHERE ordering_key IS NOT NULL) AS unblocked`;
}

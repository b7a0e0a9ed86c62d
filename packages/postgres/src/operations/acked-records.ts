import type { SettledRecord } from "@hopper/core";
import { jsonText } from "../postgres-record-sql.js";
import { textArrayLiteral } from "./array-literal.js";

/** A record an ack settles, and the id of the message it acks, when known. */
export interface AckedRecord {
  readonly record: SettledRecord;
  readonly messageId?: string;
}

/** Integer fields per record in the numbers parameter, in this order (`ackedRecordRows` reads them by place). */
const numberFields = ["job", "state", "attempt", "enqueued_at", "finished_at", "ttl_ms"] as const;
/** The fields a record may lack (read back as NULL); the others are always sent. A run time, which few have, is an extra. */
const optionalFields: ReadonlySet<(typeof numberFields)[number]> = new Set(["finished_at"]);
/**
 * Written for an absent finish time (a retry's record): bigint's least value, which no number this file writes can be (each is
 * clamped to the safe integers). Not -1 or 0: an enqueue time comes from the message's envelope, any ISO time.
 */
const absent = "-9223372036854775808";

/** `value` as a bigint literal within the safe integers, or `otherwise` when it is not a finite number. */
function integerText(value: number | null | undefined, otherwise: string): string {
  if (typeof value !== "number" || !Number.isFinite(value)) return otherwise;
  return String(Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Math.trunc(value))));
}

/** Each distinct value once, and each value's place (from 1) in that list. */
function distinctPlaces(values: readonly string[]): { distinct: string[]; places: number[] } {
  const distinct: string[] = [];
  const placeOf = new Map<string, number>();
  const places = values.map((value) => {
    let place = placeOf.get(value);
    if (place === undefined) placeOf.set(value, (place = distinct.push(value)));
    return place;
  });
  return { distinct, places };
}

/**
 * The records an ack settles, as parameters beside its tokens: each record at its place in the batch (`at`, from 1),
 * which the token object gives the row its token deleted. A record's queue is that row's, and so is its id unless
 * the record names another (a message whose envelope's id is not its row's: sent through `Backend.enqueue` by
 * another producer): that id travels with the extras. Its numbers are one bigint[] (`numberFields` per record), its
 * job and state a place in a short list of the batch's distinct names, so that every read is an offset: PostgreSQL
 * finds element n of an array of fixed-size elements without NULLs directly, and walks every element before it
 * otherwise (text, or a NULL anywhere), which made an ack of n records O(n²). Results, errors, other ids (JSON
 * text of any size) and run times go in one JSON object keyed by place, holding only the records that have one.
 *
 * Before this, each record was a JSON row (key, id, job, queue, state, attempt and times: ~250 B) read by
 * json_to_recordset and joined to the deleted rows, a join the planner hashed only narrowly. Now: ~60 B and half
 * the Node time per record, no join; the server's CPU for the ack is unchanged
 * (benchmarks/results/records-postgres-ack-arrays-2026-12-07.md). (#20)
 */
export function ackedRecordColumns(acked: readonly AckedRecord[]): unknown[] {
  const jobs = distinctPlaces(acked.map(({ record }) => record.job));
  const states = distinctPlaces(acked.map(({ record }) => record.state));
  let numbers = "{";
  let extras: string | null = null;
  for (let index = 0; index < acked.length; index++) {
    const { record, messageId } = acked[index]!;
    const { id, attempt, enqueuedAt, finishedAt, runAt, ttlMs, result, error } = record;
    // A required number that is not finite (none the core writes) is sent as 0 rather than NULL: a NULL would fail
    // the statement, and with it every ack of the batch, at each redelivery.
    numbers += `${index === 0 ? "" : ","}${jobs.places[index]},${states.places[index]},${integerText(attempt, "0")},${integerText(enqueuedAt, "0")},${integerText(finishedAt, absent)},${integerText(Math.ceil(ttlMs), "0")}`;
    const ownId = id !== messageId;
    const runAtText = integerText(runAt, "");
    if (result === undefined && error === undefined && !ownId && runAtText === "") continue;
    const fields = [
      ownId ? `"id":${jsonText(id)}` : "",
      result === undefined ? "" : `"result":${jsonText(result)}`,
      error === undefined ? "" : `"error":${jsonText(error)}`,
      runAtText === "" ? "" : `"run_at":${runAtText}`,
    ]
      .filter(Boolean)
      .join(",");
    extras = `${extras === null ? "{" : `${extras},`}"${index + 1}":{${fields}}`;
  }
  return [textArrayLiteral(jobs.distinct), textArrayLiteral(states.distinct), `${numbers}}`, extras === null ? null : `${extras}}`];
}

/**
 * The settle rows (`RecordSql.settle`'s columns) of the rows `deleted` returned with a place `at` above 0, reading
 * `ackedRecordColumns` from parameter `$first` on; `rowFields` are the fields the message rows keep (or NULLs).
 * One row per id (DISTINCT ON): of two deleted rows of one id, one settles. No join: each row reads its own place.
 */
export function ackedRecordRows(first: number, deleted: string, rowFields: string): string {
  const number = (field: (typeof numberFields)[number]) => {
    const read = `a.numbers[(d.at - 1) * ${numberFields.length} + ${numberFields.indexOf(field) + 1}]`;
    return optionalFields.has(field) ? `NULLIF(${read}, ${absent})` : read;
  };
  const extra = (name: string) => `(a.extras -> d.at::text ->> '${name}')`;
  // Each parameter is named once, in a subquery kept apart (OFFSET 0): the planner turns a cast parameter into a
  // constant wherever it is written, parsing its text each time (a first version that named them at each read
  // planned several times slower: records-postgres-ack-arrays-2026-12-07.md).
  return `SELECT DISTINCT ON (1) coalesce(${extra("id")}, d.id) AS id, a.jobs[${number("job")}] AS job, d.queue, a.states[${number("state")}] AS state,
      ${number("attempt")}::integer AS attempt, ${extra("result")} AS result, ${extra("error")} AS error, ${number("enqueued_at")} AS enqueued_at,
      ${number("finished_at")} AS finished_at, ${extra("run_at")}::bigint AS run_at, ${number("ttl_ms")} AS ttl_ms, ${rowFields}
    FROM ${deleted} d, (SELECT $${first}::text[] AS jobs, $${first + 1}::text[] AS states, $${first + 2}::bigint[] AS numbers, $${first + 3}::jsonb AS extras OFFSET 0) a
    WHERE d.at > 0`;
}

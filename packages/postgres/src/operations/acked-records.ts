import type { SettledRecord } from "@hopper/core";
import { jsonText } from "../postgres-record-sql.js";
import { textArrayLiteral } from "./array-literal.js";

/** Integer fields per record in the numbers parameter, in this order (`ackedRecordRows` reads them by place). */
const numberFields = ["job", "state", "attempt", "enqueued_at", "finished_at", "run_at", "ttl_ms"] as const;
/** Written for an absent (or non-finite) number: every field is a count, an index or an epoch time, never negative. */
const absent = -1;

/** `value` as an integer for the numbers parameter: absent when not a finite number. */
function integerText(value: number | null | undefined): string {
  return typeof value === "number" && Number.isFinite(value) ? String(Math.trunc(value)) : String(absent);
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
 * which the token object gives the row its token deleted. A record's id and queue are that row's own. Its numbers
 * are one bigint[] (`numberFields` per record), its job and state a place in a short list of the batch's distinct
 * names, so that every read is an offset: PostgreSQL finds element n of an array of fixed-size elements without
 * NULLs directly, and walks every element before it otherwise (text, or a NULL anywhere), which made an ack of n
 * records O(n²). Results and errors (JSON text of any size) go in one JSON object keyed by place, holding only the
 * records that have one.
 *
 * Before this, each record was a JSON row (key, id, job, queue, state, attempt and times: ~250 B) read by
 * json_to_recordset and joined to the deleted rows, a join the planner hashed only narrowly. Now: ~63 B and a third of
 * the Node time per record, no join; the server's CPU for the ack is unchanged
 * (benchmarks/results/records-postgres-ack-arrays-2026-12-07.md). (#20)
 */
export function ackedRecordColumns(records: readonly SettledRecord[]): unknown[] {
  const jobs = distinctPlaces(records.map((record) => record.job));
  const states = distinctPlaces(records.map((record) => record.state));
  let numbers = "{";
  let extras: string | null = null;
  for (let index = 0; index < records.length; index++) {
    const { attempt, enqueuedAt, finishedAt, runAt, ttlMs, result, error } = records[index]!;
    numbers += `${index === 0 ? "" : ","}${jobs.places[index]},${states.places[index]},${integerText(attempt)},${integerText(enqueuedAt)},${integerText(finishedAt)},${integerText(runAt)},${integerText(Math.ceil(ttlMs))}`;
    if (result === undefined && error === undefined) continue;
    const fields = [result === undefined ? "" : `"result":${jsonText(result)}`, error === undefined ? "" : `"error":${jsonText(error)}`].filter(Boolean).join(",");
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
  const number = (field: (typeof numberFields)[number]) => `NULLIF(a.numbers[(d.at - 1) * ${numberFields.length} + ${numberFields.indexOf(field) + 1}], ${absent})`;
  const extra = (name: string) => `(a.extras -> d.at::text ->> '${name}')`;
  // Each parameter is named once, in a subquery kept apart (OFFSET 0): the planner turns a cast parameter into a
  // constant wherever it is written, parsing its text each time, and seven reads of the numbers cost ~16 µs a record.
  return `SELECT DISTINCT ON (d.id) d.id, a.jobs[${number("job")}] AS job, d.queue, a.states[${number("state")}] AS state,
      ${number("attempt")}::integer AS attempt, ${extra("result")} AS result, ${extra("error")} AS error, ${number("enqueued_at")} AS enqueued_at,
      ${number("finished_at")} AS finished_at, ${number("run_at")} AS run_at, ${number("ttl_ms")} AS ttl_ms, ${rowFields}
    FROM ${deleted} d, (SELECT $${first}::text[] AS jobs, $${first + 1}::text[] AS states, $${first + 2}::bigint[] AS numbers, $${first + 3}::jsonb AS extras OFFSET 0) a
    WHERE d.at > 0`;
}

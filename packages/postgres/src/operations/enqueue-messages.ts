import type { EnqueueResult, OutgoingMessage } from "@hopper/core/backend";
import { RECORD_KEPT_UNTIL_LATER_WRITE_MS, type InsertedRecord } from "@hopper/core";
import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";
import { insertedColumns, insertedSource, messageRowAliases, messageRowColumns, messageRowSource, type RecordSql } from "../postgres-record-sql.js";
import { statementText } from "./statement-text.js";
import { integerArrayLiteral, textArrayLiteral } from "./array-literal.js";

/**
 * Inserts a batch in one statement, in input order (so FIFO follows the
 * batch). A dedupe key already held by a row makes the message a duplicate
 * of that row's message, named in `existingId`.
 * Queues that receive ready messages are notified in the same statement, so
 * inside a caller's transaction the notification, like the rows, appears only
 * at commit.
 *
 * With `records` (the backend writes its own), the records messages carry
 * are written by the same statement, only for messages it enqueued: into the
 * message rows themselves when the store reads them there (`records.messages`)
 * and every record is kept until a later write, else as job_records rows.
 *
 * In: messages. Out: one result per message, in input order.
 */
export async function enqueueMessages(executor: SqlExecutor, schema: PostgresSchema, messages: readonly OutgoingMessage[], records?: RecordSql): Promise<EnqueueResult[]> {
  if (messages.length === 0) return [];
  const carried = records && messages.some((message) => message.record !== undefined) ? records : undefined;
  const riding = carried && { sql: carried, inRows: carried.messages !== undefined && messages.every(keptUntilLaterWrite) };
  // Without dedupe keys nothing can conflict: skip ON CONFLICT and RETURNING,
  // which cost about a sixth of a bulk insert's database time.
  if (messages.every((message) => message.dedupeKey === undefined)) {
    await insertAll(executor, schema, messages, riding);
    return messages.map((message) => ({ status: "enqueued", id: message.id }));
  }
  return insertOrNameHolders(executor, schema, messages, riding);
}

/** A record in a message row lives as long as the row: only one that is kept until a later write may go there. */
function keptUntilLaterWrite(message: OutgoingMessage): boolean {
  return message.record === undefined || message.record.ttlMs >= RECORD_KEPT_UNTIL_LATER_WRITE_MS;
}

/** How an enqueue writes the records its messages carry: job_records rows, or the message rows' own record columns. */
interface RidingRecords {
  readonly sql: RecordSql;
  readonly inRows: boolean;
}

/** Rounds of insert-then-look-up for keys whose holder keeps finishing in between; one is the rule, a second is rare. */
const maxDedupeRounds = 5;

/**
 * Inserts the messages whose dedupe key is free, and names the holder of each
 * key that is taken. A holder acked between the insert and the look-up frees
 * its key: that message is inserted again in the next round, since answering
 * "duplicate" without a holder would give the caller an id never stored.
 */
async function insertOrNameHolders(executor: SqlExecutor, schema: PostgresSchema, messages: readonly OutgoingMessage[], records: RidingRecords | undefined): Promise<EnqueueResult[]> {
  const results: EnqueueResult[] = new Array(messages.length);
  let pending = messages.map((_, index) => index);
  for (let round = 1; pending.length > 0; round++) {
    const batch = pending.map((index) => messages[index]!);
    const named = await withExistingIds(executor, schema, batch, await insertSkippingDuplicates(executor, schema, batch, records));
    const again: number[] = [];
    named.forEach((result, position) => {
      const index = pending[position]!;
      const holderGone = result.status === "duplicate" && result.existingId === undefined;
      if (!holderGone) results[index] = result;
      else if (round < maxDedupeRounds) again.push(index);
      else results[index] = { status: "failed", id: result.id, error: new Error(`dedupe key ${JSON.stringify(messages[index]!.dedupeKey)} changed holder ${maxDedupeRounds} times while enqueuing; enqueue it again`) };
    });
    pending = again;
  }
  return results;
}

/** The record insert as CTEs for a WITH list (`records_inserted`, then `records_notified`) over the records `messages` carry, from parameter `$first`, limited to ids `enqueuedIds` selects. */
function recordsWith(records: RidingRecords | undefined, first: number, enqueuedIds?: string): { ctes: string; count: string } {
  if (!records) return { ctes: "", count: "0" };
  // In message rows, the statement's insert writes the records: only their events are left here (none without a listener).
  const written = records.inRows
    ? records.sql.enqueuedInRows(`(SELECT * FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), ${messageRowSource(first)}) AS rows(id, queue, job, enqueued_at, run_at, batch_id, parent_id, args)${enqueuedIds ? ` WHERE id IN (${enqueuedIds})` : ""}) AS carried`)
    : records.sql.insert(`(SELECT * FROM ${insertedSource(first)}${enqueuedIds ? ` WHERE id IN (${enqueuedIds})` : ""}) AS carried`);
  return {
    ctes: `records_inserted AS (${written}), records_notified AS (${records.sql.notified("records_inserted")})`,
    count: "(SELECT count(*) FROM records_notified)",
  };
}

/** The JSON parameter of the records `messages` carry (`recordsWith`). */
function recordParams(records: RidingRecords | undefined, messages: readonly OutgoingMessage[]): unknown[] {
  if (!records) return [];
  if (records.inRows) return messageRowColumns(messages.map((message) => message.record));
  const carried: InsertedRecord[] = [];
  for (const message of messages) if (message.record) carried.push(message.record);
  return insertedColumns(carried);
}

/** The batch's rows (`batchRows`), with each message's record fields after its own columns when they go into its row. */
function rowsOf(records: RidingRecords | undefined, first: number): { rows: string; columns: string; recordColumns: string } {
  if (!records?.inRows) return { rows: batchRows, columns: batchColumns, recordColumns: "" };
  return { rows: `${batchRows.slice(0, -1)}, ${messageRowSource(first)})`, columns: `${batchColumns}, ${messageRowAliases}`, recordColumns: `, ${messageRowAliases}` };
}

async function insertAll(executor: SqlExecutor, schema: PostgresSchema, messages: readonly OutgoingMessage[], records: RidingRecords | undefined): Promise<void> {
  const params = [...columns(messages), schema.channel, readyQueues(messages)];
  // Every message is inserted here (no dedupe keys), so every record goes in with them.
  const variant = !records ? "enqueue" : records.inRows ? "enqueue with records in rows" : "enqueue with records";
  const text = statementText(schema, variant, () => insertAllText(schema, records));
  await executor.query(text, records ? [...params, ...recordParams(records, messages)] : params);
}

/**
 * The insert of a batch without dedupe keys; with `records`, their insert rides in its WITH list and is
 * referenced from its WHERE, so the statement still returns no row (no row description or row to send,
 * parse and build per statement, as with records off). (#20)
 */
function insertAllText(schema: PostgresSchema, records: RidingRecords | undefined): string {
  const withRecords = recordsWith(records, 12);
  const input = rowsOf(records, 12);
  // ROWS FROM yields its rows in array order, which the identity column follows.
  // The uncorrelated subqueries in WHERE run once, before the first row.
  return `${records ? `WITH ${withRecords.ctes} ` : ""}INSERT INTO ${schema.quoted}.messages (id, queue, body, priority, run_at, ordering_key${input.recordColumns})
     SELECT id, queue, ${body}, priority, now() + delay_ms * interval '1 millisecond', ordering_key${input.recordColumns}
     FROM ${input.rows} AS input(${input.columns})
     WHERE (SELECT count(pg_notify($10, queue)) FROM unnest($11::text[]) AS ready(queue)) >= 0${records ? ` AND ${withRecords.count} >= 0` : ""}`;
}

async function insertSkippingDuplicates(executor: SqlExecutor, schema: PostgresSchema, messages: readonly OutgoingMessage[], records: RidingRecords | undefined): Promise<EnqueueResult[]> {
  const withRecords = recordsWith(records, 11, "SELECT id FROM inserted");
  const input = rowsOf(records, 11);
  const rows = await executor.query<{ id: string; notified: unknown }>(
    `WITH input AS (
       SELECT * FROM ${input.rows} WITH ORDINALITY AS input(${input.columns}, position)
     ), inserted AS (
       INSERT INTO ${schema.quoted}.messages (id, queue, body, priority, run_at, ordering_key, dedupe_key${input.recordColumns})
       SELECT id, queue, ${body}, priority, now() + delay_ms * interval '1 millisecond', ordering_key, dedupe_key${input.recordColumns}
       FROM input ORDER BY position
       ON CONFLICT (queue, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
       RETURNING id, queue, run_at <= now() AS ready
     )${withRecords.ctes && `, ${withRecords.ctes}`}
     SELECT id, (SELECT count(pg_notify($10, queue)) FROM (SELECT DISTINCT queue FROM inserted WHERE ready) AS ready_queues) AS notified, ${withRecords.count} AS records
     FROM inserted`,
    [...columns(messages), schema.channel, ...recordParams(records, messages)],
  );
  const inserted = new Map<string, number>();
  for (const row of rows) inserted.set(row.id, (inserted.get(row.id) ?? 0) + 1);
  return messages.map((message): EnqueueResult => {
    const count = inserted.get(message.id) ?? 0;
    if (count === 0) return { status: "duplicate", id: message.id };
    inserted.set(message.id, count - 1);
    return { status: "enqueued", id: message.id };
  });
}

/**
 * The batch's rows, zipped from one parameter per column ($1–$9, see `columns`).
 * Bodies travel as one binary parameter, their UTF-8 bytes end to end, each
 * row cutting its own out: nothing to escape on either side, which the
 * driver's array literals (and JSON) spend most of their time on.
 */
const batchRows = `ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($4::integer[]), unnest($5::integer[]), unnest($6::integer[]), unnest($7::bigint[]), unnest($8::text[]), unnest($9::text[]))`;
const batchColumns = "id, queue, body_offset, body_length, priority, delay_ms, ordering_key, dedupe_key";
const body = `convert_from(substring($3::bytea FROM body_offset + 1 FOR body_length), 'UTF8')`;

/** The batch as parameters $1–$9: ids, queues, the bodies' bytes with each one's offset and length, priorities, delays, ordering keys, dedupe keys. */
function columns(messages: readonly OutgoingMessage[]): unknown[] {
  const lengths = messages.map((message) => Buffer.byteLength(message.body));
  const offsets: number[] = new Array(messages.length);
  let total = 0;
  lengths.forEach((length, index) => {
    offsets[index] = total;
    total += length;
  });
  // One buffer written body by body: no Buffer per body to concatenate.
  const bodies = Buffer.allocUnsafe(total);
  messages.forEach((message, index) => bodies.write(message.body, offsets[index]!, lengths[index]!, "utf8"));
  return [
    textArrayLiteral(messages.map((message) => message.id)),
    textArrayLiteral(messages.map((message) => message.queue)),
    bodies,
    integerArrayLiteral(offsets),
    integerArrayLiteral(lengths),
    integerArrayLiteral(messages.map((message) => message.priority ?? 0)),
    integerArrayLiteral(messages.map((message) => delayMs(message))),
    textArrayLiteral(messages.map((message) => message.orderingKey ?? null)),
    textArrayLiteral(messages.map((message) => message.dedupeKey ?? null)),
  ];
}

/** Each queue with a message that is claimable at once (no delay), once. */
function readyQueues(messages: readonly OutgoingMessage[]): ReturnType<typeof textArrayLiteral> {
  return textArrayLiteral([...new Set(messages.filter((message) => delayMs(message) === 0).map((message) => message.queue))]);
}

function delayMs(message: OutgoingMessage): number {
  return Math.max(0, Math.ceil(message.delayMs ?? 0));
}

/** Names the message holding each duplicate's dedupe key (when it still exists). */
async function withExistingIds(executor: SqlExecutor, schema: PostgresSchema, messages: readonly OutgoingMessage[], results: EnqueueResult[]): Promise<EnqueueResult[]> {
  const duplicates = messages.filter((message, index) => results[index]!.status === "duplicate" && message.dedupeKey !== undefined);
  if (duplicates.length === 0) return results;
  const holders = await executor.query<{ id: string; queue: string; dedupe_key: string }>(
    `SELECT m.id, m.queue, m.dedupe_key FROM ${schema.quoted}.messages m
     JOIN unnest($1::text[], $2::text[]) AS wanted(queue, dedupe_key) USING (queue, dedupe_key)`,
    [duplicates.map((message) => message.queue), duplicates.map((message) => message.dedupeKey)],
  );
  const holderOf = new Map(holders.map((holder) => [`${holder.queue}\u0000${holder.dedupe_key}`, holder.id]));
  return results.map((result, index) => {
    const message = messages[index]!;
    const existingId = holderOf.get(`${message.queue}\u0000${message.dedupeKey}`);
    return result.status === "duplicate" && existingId !== undefined ? { ...result, existingId } : result;
  });
}

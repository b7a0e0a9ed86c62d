import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";
import type { ClaimedMessage } from "./claim-messages.js";
import { whenNotMigrated } from "./schema-function.js";

/**
 * Leases up to `maxMessages` delayed messages of one queue (due later, not
 * leased: queue-stats.ts's `delayed`), soonest due first, for a move to
 * another backend; a message with an ordering key only when it is the oldest
 * left of its key, as claim-messages.ts. The lease is a claim's (attempts is
 * the token; run_at becomes the lease's end), so ack, nack and extend work
 * unchanged, and a lease that runs out leaves the message ready early (the
 * worker holds it back until the envelope's runAt).
 *
 * The choice and the update are `<schema>.take_scheduled_messages()`
 * (migration 7): it reads each priority's soonest rows in messages_due_idx's
 * order and sorts only those, where one statement ordered by run_at across
 * priorities read and sorted every delayed row of the queue.
 *
 * In: queue, maxMessages, leaseMs. Out: the leased messages with when they were due (ms since the epoch), soonest first.
 */
export async function takeScheduledMessages(executor: SqlExecutor, schema: PostgresSchema, input: { queue: string; maxMessages: number; leaseMs: number }): Promise<(ClaimedMessage & { dueAt: number })[]> {
  const rows = await executor
    .query<ClaimedMessage & { due_at: string | number }>(
      // UPDATE … RETURNING keeps no order; restore soonest first (by the bigint seq: the output's seq is text).
      `SELECT seq::text AS seq, id, body, attempts, counted, (extract(epoch FROM due) * 1000)::float8 AS due_at
       FROM ${schema.quoted}.take_scheduled_messages($1, $2, $3) AS taken ORDER BY taken.due, taken.seq`,
      [input.queue, input.maxMessages, input.leaseMs],
    )
    .catch(whenNotMigrated(schema, { name: "take_scheduled_messages", migration: 7, neededBy: "takes of delayed messages" }));
  return rows.map(({ due_at, ...row }) => ({ ...row, dueAt: Number(due_at) }));
}

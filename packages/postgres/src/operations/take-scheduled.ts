import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";
import type { ClaimedMessage } from "./claim-messages.js";

/**
 * Leases up to `maxMessages` delayed messages of one queue (due later, not
 * leased: queue-stats.ts's `delayed`), soonest due first, for a move to
 * another backend; a message with an ordering key only when it is the oldest
 * left of its key, as claim-messages.ts. The lease is a claim's (attempts is
 * the token; run_at becomes the lease's end), so ack, nack and extend work
 * unchanged, and a lease that runs out leaves the message ready early (the
 * worker holds it back until the envelope's runAt).
 *
 * In: queue, maxMessages, leaseMs. Out: the leased messages with when they were due (ms since the epoch), soonest first.
 */
export async function takeScheduledMessages(executor: SqlExecutor, schema: PostgresSchema, input: { queue: string; maxMessages: number; leaseMs: number }): Promise<(ClaimedMessage & { dueAt: number })[]> {
  const rows = await executor.query<ClaimedMessage & { due_at: string | number }>(
    `WITH takeable AS (
       SELECT m.seq, m.run_at FROM ${schema.quoted}.messages m
       WHERE m.queue = $1 AND m.run_at > now() AND (m.locked_until IS NULL OR m.locked_until <= now())
         AND (m.ordering_key IS NULL OR NOT EXISTS (
           SELECT 1 FROM ${schema.quoted}.messages earlier
           WHERE earlier.queue = m.queue AND earlier.ordering_key = m.ordering_key AND earlier.seq < m.seq))
       ORDER BY m.run_at, m.seq
       LIMIT $2
       FOR UPDATE SKIP LOCKED
     ), taken AS (
       UPDATE ${schema.quoted}.messages m
       SET attempts = m.attempts + 1,
           locked_until = now() + $3 * interval '1 millisecond',
           run_at = now() + $3 * interval '1 millisecond',
           -- A record in the row stays waiting while its job is taken away (postgres-record-sql.ts): no run started.
           record_started_at = NULL
       FROM takeable WHERE m.seq = takeable.seq
       RETURNING m.seq, m.id, m.body, m.attempts, m.attempts - m.handed_back AS counted, takeable.run_at AS due
     )
     SELECT seq::text AS seq, id, body, attempts, counted, (extract(epoch FROM due) * 1000)::float8 AS due_at FROM taken ORDER BY due, seq`,
    [input.queue, input.maxMessages, input.leaseMs],
  );
  return rows.map(({ due_at, ...row }) => ({ ...row, dueAt: Number(due_at) }));
}

import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";

export interface ClaimedMessage {
  /** Row identity (bigint as text). */
  readonly seq: string;
  readonly id: string;
  readonly body: string;
  /** Deliveries including this one; with `seq`, the lease token. */
  readonly attempts: number;
}

/**
 * Leases up to `maxMessages` ready messages of one queue: highest priority
 * first, then the longest due, then FIFO (the order of messages_due_idx); a
 * message with an ordering key only when it is the oldest left of its key.
 * SKIP LOCKED lets concurrent claimers take disjoint rows without waiting on
 * each other. The lease runs on the database clock.
 *
 * In: queue, maxMessages, leaseMs. Out: the claimed messages, in claim order.
 */
export async function claimMessages(executor: SqlExecutor, schema: PostgresSchema, input: { queue: string; maxMessages: number; leaseMs: number }): Promise<ClaimedMessage[]> {
  return executor.query<ClaimedMessage>(
    `WITH claimable AS (
       SELECT m.seq, m.run_at FROM ${schema.quoted}.messages m
       WHERE m.queue = $1 AND m.run_at <= now()
         AND (m.ordering_key IS NULL OR NOT EXISTS (
           SELECT 1 FROM ${schema.quoted}.messages earlier
           WHERE earlier.queue = m.queue AND earlier.ordering_key = m.ordering_key AND earlier.seq < m.seq))
       ORDER BY m.priority DESC, m.run_at, m.seq
       LIMIT $2
       FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE ${schema.quoted}.messages m
       SET attempts = m.attempts + 1,
           locked_until = now() + $3 * interval '1 millisecond',
           run_at = now() + $3 * interval '1 millisecond'
       FROM claimable WHERE m.seq = claimable.seq
       RETURNING m.seq, m.id, m.body, m.attempts, m.priority, claimable.run_at AS due
     )
     -- UPDATE … RETURNING keeps no order; restore the claim order.
     SELECT seq::text AS seq, id, body, attempts FROM claimed ORDER BY priority DESC, due, seq`,
    [input.queue, input.maxMessages, input.leaseMs],
  );
}

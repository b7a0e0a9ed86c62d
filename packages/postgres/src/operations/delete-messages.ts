import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";

export interface LeaseToken {
  readonly seq: string;
  readonly attempts: number;
}

/**
 * Acks: deletes each message whose lease is still ours (same delivery count),
 * freeing its dedupe key. Removing the head of an ordering key makes the
 * next message of that key claimable, so those queues are notified.
 *
 * In: lease tokens. Out: nothing; stale tokens are skipped.
 */
export async function deleteMessages(executor: SqlExecutor, schema: PostgresSchema, tokens: readonly LeaseToken[]): Promise<void> {
  if (tokens.length === 0) return;
  await executor.query(
    `WITH deleted AS (
       DELETE FROM ${schema.quoted}.messages m
       USING unnest($1::bigint[], $2::integer[]) AS token(seq, attempts)
       WHERE m.seq = token.seq AND m.attempts = token.attempts
       RETURNING m.queue, m.ordering_key
     )
     SELECT count(pg_notify($3, queue)) FROM (SELECT DISTINCT queue FROM deleted WHERE ordering_key IS NOT NULL) AS unblocked`,
    [tokens.map((token) => token.seq), tokens.map((token) => token.attempts), schema.channel],
  );
}

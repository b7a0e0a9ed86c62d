import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";

/**
 * The claim as releases before migration 6 send it (records off): the rows chosen in the statement itself, not by
 * `<schema>.claim_messages()`. For rolling-deploy tests: a worker of that release claims beside one of this release.
 */
export function claimBeforeMigration6(executor: SqlExecutor, schema: PostgresSchema, queue: string, maxMessages: number, leaseMs: number): Promise<{ seq: string; id: string }[]> {
  return executor.query(
    `WITH claimable AS (
       SELECT m.ctid AS row_id, m.run_at FROM ${schema.quoted}.messages m
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
       FROM claimable WHERE m.ctid = claimable.row_id
       RETURNING m.seq, m.id
     )
     SELECT seq::text AS seq, id FROM claimed`,
    [queue, maxMessages, leaseMs],
  );
}

import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";

/**
 * Take-scheduled as releases before migration 7 send it: the rows chosen in the statement itself, ordered by run_at
 * across priorities, not by `<schema>.take_scheduled_messages()`. For rolling-deploy tests: a mover of that release
 * takes delayed messages beside one of this release.
 */
export function takeScheduledBeforeMigration7(executor: SqlExecutor, schema: PostgresSchema, queue: string, maxMessages: number, leaseMs: number): Promise<{ seq: string; id: string }[]> {
  return executor.query(
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
           record_started_at = NULL
       FROM takeable WHERE m.seq = takeable.seq
       RETURNING m.seq, m.id
     )
     SELECT seq::text AS seq, id FROM taken`,
    [queue, maxMessages, leaseMs],
  );
}

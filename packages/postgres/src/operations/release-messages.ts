import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";
import type { LeaseToken } from "./delete-messages.js";
import { REPLANNED } from "./statement-text.js";

/**
 * Nacks: ends each lease still ours and makes the message claimable again
 * after its delay (database clock). Messages ready at once notify their queue.
 * An `uncounted` release (a job that never started) adds to `handed_back`, which
 * claims subtract from `attempts`; `attempts`, the lease token, never goes down.
 *
 * In: lease tokens with a delay each. Out: nothing; stale tokens are skipped.
 */
export type ReleaseItem = LeaseToken & { delayMs: number; uncounted?: boolean };

export async function releaseMessages(executor: SqlExecutor, schema: PostgresSchema, releases: readonly ReleaseItem[]): Promise<void> {
  if (releases.length === 0) return;
  await executor.query(
    `WITH released AS (
       UPDATE ${schema.quoted}.messages m
       SET locked_until = NULL, run_at = now() + release.delay_ms * interval '1 millisecond',
           handed_back = m.handed_back + CASE WHEN release.uncounted THEN 1 ELSE 0 END
       FROM unnest($1::bigint[], $2::integer[], $3::bigint[], $5::boolean[]) AS release(seq, attempts, delay_ms, uncounted)
       -- seq = ANY: found by the primary key whatever the statistics say (as deleteMessages).
       WHERE m.seq = ANY($1::bigint[]) AND m.seq = release.seq AND m.attempts = release.attempts
       RETURNING m.queue, release.delay_ms = 0 AS ready
     )
     SELECT count(pg_notify($4, queue)) FROM (SELECT DISTINCT queue FROM released WHERE ready) AS ready_queues`,
    [releases.map((release) => release.seq), releases.map((release) => release.attempts), releases.map((release) => Math.max(0, Math.ceil(release.delayMs))), schema.channel, releases.map((release) => release.uncounted === true)],
    REPLANNED,
  );
}

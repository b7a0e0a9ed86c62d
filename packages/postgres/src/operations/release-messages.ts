import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";
import type { LeaseToken } from "./delete-messages.js";
import { REPLANNED } from "./statement-text.js";
import { tokenKey, tokenObject } from "./token-lookup.js";

/** Each row's `[delayMs, uncounted, body's place in $4 or absent]`, from its token (`tokenObject`, $2). */
const tokenRelease = `($2::jsonb -> ${tokenKey("m")})`;

/**
 * Nacks: ends each lease still ours and makes the message claimable again
 * after its delay (database clock). Messages ready at once notify their queue.
 * An `uncounted` release (a job that never started) adds to `handed_back`, which
 * claims subtract from `attempts`; `attempts`, the lease token, never goes down.
 * A release with a `body` writes it into the row (the same row: its place in its
 * ordering key's line stays). Bodies travel as a text array beside the tokens,
 * not inside their jsonb, which could not carry every string a text column takes.
 *
 * In: lease tokens with a delay each. Out: nothing; stale tokens are skipped.
 */
export type ReleaseItem = LeaseToken & { delayMs: number; uncounted?: boolean; body?: string };

export async function releaseMessages(executor: SqlExecutor, schema: PostgresSchema, releases: readonly ReleaseItem[]): Promise<void> {
  if (releases.length === 0) return;
  const bodies: string[] = [];
  const tokens = tokenObject(releases, (release) => {
    const head = `[${Math.max(0, Math.ceil(release.delayMs))},${release.uncounted === true}`;
    if (release.body === undefined) return `${head}]`;
    bodies.push(release.body);
    return `${head},${bodies.length}]`;
  });
  await executor.query(
    `WITH released AS (
       UPDATE ${schema.quoted}.messages m
       SET locked_until = NULL, run_at = now() + (${tokenRelease}->>0)::bigint * interval '1 millisecond',
           handed_back = m.handed_back + CASE WHEN (${tokenRelease}->>1)::boolean THEN 1 ELSE 0 END,
           body = COALESCE(($4::text[])[(${tokenRelease}->>2)::int], m.body)
       WHERE m.seq = ANY($1::bigint[]) AND $2::jsonb ? ${tokenKey("m")}
       RETURNING m.queue, (${tokenRelease}->>0)::bigint = 0 AS ready
     )
     SELECT count(pg_notify($3, queue)) FROM (SELECT DISTINCT queue FROM released WHERE ready) AS ready_queues`,
    [releases.map((release) => release.seq), tokens, schema.channel, bodies],
    REPLANNED,
  );
}

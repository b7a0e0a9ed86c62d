import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";
import type { LeaseToken } from "./delete-messages.js";
import { statementText } from "./statement-text.js";
import { roundsOfDistinctSeqs, tokenLookup } from "./token-lookup.js";

/**
 * Nacks: ends each lease still ours and makes the message claimable again
 * after its delay (database clock). Messages ready at once notify their queue.
 * An `uncounted` release (a job that never started) adds to `handed_back`, which
 * claims subtract from `attempts`; `attempts`, the lease token, never goes down.
 *
 * In: lease tokens with a delay each. Out: nothing; stale tokens are skipped.
 */
export async function releaseMessages(executor: SqlExecutor, schema: PostgresSchema, releases: readonly (LeaseToken & { delayMs: number; uncounted?: boolean })[]): Promise<void> {
  for (const round of roundsOfDistinctSeqs(releases)) {
    await executor.query(statementText(schema, "release", () => releaseText(schema)), [
      round.map((release) => release.seq),
      round.map((release) => release.attempts),
      round.map((release) => Math.max(0, Math.ceil(release.delayMs))),
      schema.channel,
      round.map((release) => release.uncounted === true),
    ]);
  }
}

function releaseText(schema: PostgresSchema): string {
  const release = tokenLookup("$1");
  const delayMs = release.field("$3", "bigint");
  return `WITH released AS (
       UPDATE ${schema.quoted}.messages m
       SET locked_until = NULL, run_at = now() + ${delayMs} * interval '1 millisecond',
           handed_back = m.handed_back + CASE WHEN ${release.field("$5", "boolean")} THEN 1 ELSE 0 END
       WHERE ${release.rows} AND m.attempts = ${release.field("$2", "integer")}
       RETURNING m.queue, ${delayMs} = 0 AS ready
     )
     SELECT count(pg_notify($4, queue)) FROM (SELECT DISTINCT queue FROM released WHERE ready) AS ready_queues`;
}

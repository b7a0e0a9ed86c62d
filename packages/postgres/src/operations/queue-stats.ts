import type { QueueStats } from "@hopper/core/backend";
import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";

/**
 * Counts one queue's messages: in flight (lease running), delayed (not due
 * yet) and ready (the rest, including messages waiting behind their ordering
 * key, as the memory backend counts them).
 *
 * In: queue. Out: counts.
 */
export async function queueStats(executor: SqlExecutor, schema: PostgresSchema, queue: string): Promise<QueueStats> {
  const [row] = await executor.query<{ total: string | number; in_flight: string | number; delayed: string | number }>(
    `SELECT count(*) AS total,
            count(*) FILTER (WHERE locked_until > now()) AS in_flight,
            count(*) FILTER (WHERE run_at > now() AND (locked_until IS NULL OR locked_until <= now())) AS delayed
     FROM ${schema.quoted}.messages WHERE queue = $1`,
    [queue],
  );
  const inFlight = Number(row?.in_flight ?? 0);
  const delayed = Number(row?.delayed ?? 0);
  return { ready: Number(row?.total ?? 0) - inFlight - delayed, delayed, inFlight };
}

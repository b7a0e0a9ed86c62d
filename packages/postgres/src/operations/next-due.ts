import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";

/**
 * How long until something in `queue` may become claimable without a NOTIFY:
 * a delay ends or a lease runs out (both are `run_at`).
 *
 * In: queue. Out: milliseconds, or undefined when nothing is pending.
 */
export async function nextDueInMs(executor: SqlExecutor, schema: PostgresSchema, queue: string): Promise<number | undefined> {
  const [row] = await executor.query<{ due_in_ms: number | string | null }>(
    `SELECT ceil(extract(epoch FROM min(run_at) - now()) * 1000)::float8 AS due_in_ms
     FROM ${schema.quoted}.messages WHERE queue = $1 AND run_at > now()`,
    [queue],
  );
  return row?.due_in_ms === null || row?.due_in_ms === undefined ? undefined : Number(row.due_in_ms);
}

import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";

/**
 * How long until something in `queue` may become claimable without a NOTIFY:
 * a delay ends or a lease runs out (both are `run_at`).
 *
 * messages_due_idx orders run_at within each priority, so the earliest is
 * looked up once per distinct priority, each found by stepping down the index
 * (a loose index scan): a few index probes however many messages wait.
 *
 * In: queue. Out: milliseconds, or undefined when nothing is pending.
 */
export async function nextDueInMs(executor: SqlExecutor, schema: PostgresSchema, queue: string): Promise<number | undefined> {
  const messages = `${schema.quoted}.messages`;
  const [row] = await executor.query<{ due_in_ms: number | string | null }>(
    `WITH RECURSIVE priorities(priority) AS (
       SELECT max(priority) FROM ${messages} WHERE queue = $1
       UNION ALL
       SELECT (SELECT max(m.priority) FROM ${messages} m WHERE m.queue = $1 AND m.priority < p.priority)
       FROM priorities p WHERE p.priority IS NOT NULL
     )
     SELECT ceil(extract(epoch FROM min(due.run_at) - now()) * 1000)::float8 AS due_in_ms
     FROM priorities p CROSS JOIN LATERAL (
       SELECT m.run_at FROM ${messages} m
       WHERE m.queue = $1 AND m.priority = p.priority AND m.run_at > now()
       ORDER BY m.run_at LIMIT 1
     ) due`,
    [queue],
  );
  return row?.due_in_ms === null || row?.due_in_ms === undefined ? undefined : Number(row.due_in_ms);
}

import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";
import { isErrorOfFunction } from "./schema-function.js";

/**
 * Schemas whose `next_due_in_ms()` could not be called (not migrated to 7, or the role lacks EXECUTE), with when to
 * try it again: until then their lookups send the statement itself. Tried again, not given up for good, so a worker
 * started before its schema was migrated (or the grant made) takes the function up within a minute.
 */
const withoutFunctionUntil = new WeakMap<PostgresSchema, number>();
const retryFunctionAfterMs = 60_000;
/** Undefined function, insufficient privilege: the lookup works without the function, only its plan is at risk. */
const functionUnusable = new Set(["42883", "42501"]);

/**
 * How long until something in `queue` may become claimable without a NOTIFY:
 * a delay ends or a lease runs out (both are `run_at`).
 *
 * messages_due_idx orders run_at within each priority, so the earliest is
 * looked up once per distinct priority, each found by stepping down the index
 * (a loose index scan): a few index probes however many messages wait.
 * Sent as `<schema>.next_due_in_ms()` (migration 7), whose planner settings
 * keep those probes when a bloated index makes them look dearer than reading
 * the table. On a schema not migrated to 7, or for a role without EXECUTE on
 * it, the statement itself is sent, as before (the function is tried again a
 * minute later): the lookup only shortens a wait, and claims do not need it.
 *
 * In: queue. Out: milliseconds, or undefined when nothing is pending.
 */
export async function nextDueInMs(executor: SqlExecutor, schema: PostgresSchema, queue: string): Promise<number | undefined> {
  const [row] = await ((withoutFunctionUntil.get(schema) ?? 0) > Date.now() ? lookUp(executor, schema, queue) : viaFunction(executor, schema, queue));
  return row?.due_in_ms === null || row?.due_in_ms === undefined ? undefined : Number(row.due_in_ms);
}

type DueRow = { due_in_ms: number | string | null };

async function viaFunction(executor: SqlExecutor, schema: PostgresSchema, queue: string): Promise<DueRow[]> {
  try {
    return await executor.query<DueRow>(`SELECT ${schema.quoted}.next_due_in_ms($1) AS due_in_ms`, [queue]);
  } catch (error) {
    if (!isErrorOfFunction(error, "next_due_in_ms", functionUnusable)) throw error;
    withoutFunctionUntil.set(schema, Date.now() + retryFunctionAfterMs);
    return lookUp(executor, schema, queue);
  }
}

/** The lookup as one statement, as releases before migration 7 send it (the function's body finds each priority by ORDER BY … LIMIT 1 instead of max()). */
function lookUp(executor: SqlExecutor, schema: PostgresSchema, queue: string): Promise<DueRow[]> {
  const messages = `${schema.quoted}.messages`;
  return executor.query<DueRow>(
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
}

import type { PostgresSchema } from "../postgres-schema.js";

const texts = new WeakMap<PostgresSchema, Map<string, string>>();

/**
 * A statement's text, built once per schema and `variant` (the text must depend on nothing else). The same
 * string object at every call lets the executor's name lookup and the driver's prepared-text check end at
 * identity, where a text rebuilt per call (~2–4 KB with records) was joined, hashed and compared per statement. (#20)
 */
export function statementText(schema: PostgresSchema, variant: string, build: () => string): string {
  let built = texts.get(schema);
  if (built === undefined) texts.set(schema, (built = new Map()));
  let text = built.get(variant);
  if (text === undefined) built.set(variant, (text = build()));
  return text;
}

/**
 * For the statements planned at every call with their real parameters (sent unnamed): the claim and the token
 * statements (ack, lease extension, release). A generic plan cached on an earlier table (empty: a seq scan; the
 * token list read once per row) kept being used once the table had grown again: 100-570 ms per 300-token ack and
 * 1.2-5.3 s per claim after an overload step (#18, benchmarks/results/postgres-ack-plans-2026-12-04.md).
 * What sending them unnamed adds is parsing (PostgreSQL plans these per call even when named, once the table is
 * populated): ~115 µs of server CPU per claim, ~50 per ack, ~1.5 µs per drained job. Named with
 * `plan_cache_mode = force_custom_plan` on the pool would save that but costs the enqueue its generic plan, +90 µs
 * per one-job enqueue (benchmarks/results/postgres-plan-cost-2026-12-04.md).
 */
export const REPLANNED = { replan: true } as const;

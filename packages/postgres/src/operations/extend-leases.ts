import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";
import type { LeaseToken } from "./delete-messages.js";
import { statementText } from "./statement-text.js";
import { roundsOfDistinctSeqs, tokenLookup } from "./token-lookup.js";

/**
 * Restarts leases that are still held (ours and not yet run out) so they end
 * `leaseMs` from now on the database clock. A lost lease is left alone.
 *
 * In: lease tokens with a lease length each. Out: the seqs extended.
 */
export async function extendLeases(executor: SqlExecutor, schema: PostgresSchema, leases: readonly (LeaseToken & { leaseMs: number })[]): Promise<Set<string>> {
  const extended = new Set<string>();
  for (const round of roundsOfDistinctSeqs(leases)) {
    const rows = await executor.query<{ seq: string }>(statementText(schema, "extend", () => extendText(schema)), [round.map((lease) => lease.seq), round.map((lease) => lease.attempts), round.map((lease) => Math.max(1, Math.ceil(lease.leaseMs)))]);
    for (const row of rows) extended.add(row.seq);
  }
  return extended;
}

function extendText(schema: PostgresSchema): string {
  const lease = tokenLookup("$1");
  const endsAt = `now() + ${lease.field("$3", "bigint")} * interval '1 millisecond'`;
  return `UPDATE ${schema.quoted}.messages m
     SET locked_until = ${endsAt}, run_at = ${endsAt}
     WHERE ${lease.rows} AND m.attempts = ${lease.field("$2", "integer")} AND m.locked_until > now()
     RETURNING m.seq::text AS seq`;
}

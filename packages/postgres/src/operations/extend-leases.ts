import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";
import type { LeaseToken } from "./delete-messages.js";
import { REPLANNED } from "./statement-text.js";
import { tokenKey, tokenObject } from "./token-lookup.js";

/** Each row's lease length in ms, from its token (`tokenObject`, $2). */
const leaseMs = `($2::jsonb ->> ${tokenKey("m")})::bigint`;

/**
 * Restarts leases that are still held (ours and not yet run out) so they end
 * `leaseMs` from now on the database clock. A lost lease is left alone.
 *
 * In: lease tokens with a lease length each. Out: the seqs extended.
 */
export type RenewalItem = LeaseToken & { leaseMs: number };

export async function extendLeases(executor: SqlExecutor, schema: PostgresSchema, leases: readonly RenewalItem[]): Promise<Set<string>> {
  if (leases.length === 0) return new Set();
  const rows = await executor.query<{ seq: string }>(
    `UPDATE ${schema.quoted}.messages m
     SET locked_until = now() + (${leaseMs}) * interval '1 millisecond', run_at = now() + (${leaseMs}) * interval '1 millisecond'
     WHERE m.seq = ANY($1::bigint[]) AND $2::jsonb ? ${tokenKey("m")} AND m.locked_until > now()
     RETURNING m.seq::text AS seq`,
    [leases.map((lease) => lease.seq), tokenObject(leases, (lease) => String(Math.max(1, Math.ceil(lease.leaseMs))))],
    REPLANNED,
  );
  return new Set(rows.map((row) => row.seq));
}

import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";
import type { LeaseToken } from "./delete-messages.js";
import { REPLANNED } from "./statement-text.js";

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
     SET locked_until = now() + lease.lease_ms * interval '1 millisecond', run_at = now() + lease.lease_ms * interval '1 millisecond'
     FROM unnest($1::bigint[], $2::integer[], $3::bigint[]) AS lease(seq, attempts, lease_ms)
     -- seq = ANY: found by the primary key whatever the statistics say (as deleteMessages).
     WHERE m.seq = ANY($1::bigint[]) AND m.seq = lease.seq AND m.attempts = lease.attempts AND m.locked_until > now()
     RETURNING m.seq::text AS seq`,
    [leases.map((lease) => lease.seq), leases.map((lease) => lease.attempts), leases.map((lease) => Math.max(1, Math.ceil(lease.leaseMs)))],
    REPLANNED,
  );
  return new Set(rows.map((row) => row.seq));
}

import type { CoordinationStore } from "@hopper/core";

/** Plain SQL on the test's own connection (`PostgresTarget.query`). */
type Query = <Row>(text: string, params?: unknown[]) => Promise<Row[]>;

/**
 * What older releases of the PostgreSQL coordination store do with entries, to run beside this one as a
 * rolling deploy would: a store that answers as `store` does except for entries, which it writes with the
 * statements of that release, copied verbatim from its source. It reports this release's contract version
 * only so that today's core accepts it; its batch decisions are the older release's.
 */
export const olderCoordinationReleases = {
  /**
   * Coordination v4, packages/postgres/src/postgres-coordination-store.ts at 4dbbadf (the parent of 14817f2,
   * which added the counts): entries are inserted and deleted with no count kept, and a batch's finish
   * (core batch-state.ts at 4dbbadf) decided "no member pending" by listing the pending entries.
   */
  v4(store: CoordinationStore, query: Query, schema: string): CoordinationStore & { sweep(): Promise<void> } {
    const entries = `"${schema}".coordination_entries`;
    return {
      ...store,
      async putEntry(key, member, value, ttlMs) {
        await query(
          `INSERT INTO ${entries} (key, member, value, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
         ON CONFLICT (key, member) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`,
          [key, member, value, Math.ceil(ttlMs)],
        );
      },
      listEntries: (key) => query<{ member: string; value: string }>(`SELECT member, value FROM ${entries} WHERE key = $1 AND expires_at > now()`, [key]),
      async removeEntry(key, member) {
        await query(`DELETE FROM ${entries} WHERE key = $1 AND member = $2`, [key, member]);
      },
      // v4's BatchState.finish: `(await this.pending()).length === 0`, pending() being listEntries.
      countEntries: async (key) => (await query(`SELECT member, value FROM ${entries} WHERE key = $1 AND expires_at > now()`, [key])).length,
      /** v4's once-a-minute sweep of entries. */
      async sweep() {
        await query(`DELETE FROM ${entries} WHERE expires_at < now() - interval '1 minute'`);
      },
    };
  },

  /**
   * Coordination v5 as first released, at 14817f2 (unchanged to 3578a84): each statement that inserts or
   * deletes an entry also adds to or takes from `coordination_entry_counts` itself, and countEntries reads it.
   */
  v5CountingItself(store: CoordinationStore, query: Query, schema: string): CoordinationStore {
    const entries = `"${schema}".coordination_entries`;
    const entryCounts = `"${schema}".coordination_entry_counts`;
    return {
      ...store,
      async putEntry(key, member, value, ttlMs) {
        await query(
          `WITH put AS (
           INSERT INTO ${entries} (key, member, value, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
           ON CONFLICT (key, member) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
           RETURNING (xmax = 0) AS inserted
         )
         INSERT INTO ${entryCounts} (key, entries) SELECT $1, 1 FROM put WHERE put.inserted
         ON CONFLICT (key) DO UPDATE SET entries = ${entryCounts}.entries + 1`,
          [key, member, value, Math.ceil(ttlMs)],
        );
      },
      async removeEntry(key, member) {
        await query(
          `WITH removed AS (DELETE FROM ${entries} WHERE key = $1 AND member = $2 RETURNING key)
         UPDATE ${entryCounts} SET entries = entries - 1 WHERE key = $1 AND EXISTS (SELECT 1 FROM removed)`,
          [key, member],
        );
      },
      async countEntries(key) {
        const rows = await query<{ entries: string | number }>(
          `WITH swept AS (DELETE FROM ${entries} WHERE key = $1 AND expires_at <= now() RETURNING key),
         counted AS (UPDATE ${entryCounts} SET entries = entries - (SELECT count(*) FROM swept) WHERE key = $1 AND EXISTS (SELECT 1 FROM swept) RETURNING entries)
         SELECT COALESCE((SELECT entries FROM counted), (SELECT entries FROM ${entryCounts} WHERE key = $1), 0) AS entries`,
          [key],
        );
        return Number(rows[0]!.entries);
      },
    };
  },
};

/** The coordination tables as v4 made them (4dbbadf `createTables`): no counts table, no trigger. */
export async function createCoordinationV4Tables(query: Query, schema: string): Promise<void> {
  await query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await query(`CREATE TABLE IF NOT EXISTS "${schema}".coordination_holders (key text NOT NULL, holder text NOT NULL, expires_at timestamptz NOT NULL, PRIMARY KEY (key, holder))`);
  await query(`CREATE INDEX IF NOT EXISTS coordination_holders_expires_idx ON "${schema}".coordination_holders (expires_at)`);
  await query(`CREATE TABLE IF NOT EXISTS "${schema}".coordination_marks (key text PRIMARY KEY, value bigint NOT NULL)`);
  await query(`CREATE TABLE IF NOT EXISTS "${schema}".coordination_rate_limits (key text PRIMARY KEY, tat timestamptz NOT NULL)`);
  await query(`CREATE TABLE IF NOT EXISTS "${schema}".coordination_entries (key text NOT NULL, member text NOT NULL, value text NOT NULL, expires_at timestamptz NOT NULL, PRIMARY KEY (key, member))`);
}

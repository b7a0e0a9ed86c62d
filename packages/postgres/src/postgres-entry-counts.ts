import type { SqlExecutor } from "./postgres-executor.js";
import type { PostgresSchema } from "./postgres-schema.js";

/**
 * `coordination_entry_counts`: how many rows each key has in `coordination_entries`, so that
 * `countEntries` reads one row however many entries a key has (a batch counts its pending members
 * once per finished job).
 *
 * The table keeps the count itself, by a trigger, rather than each statement that writes an entry:
 * during a rolling deploy processes of older releases write the same rows, and every write must be
 * counted once, whoever made it. Coordination v4 (before 14817f2) inserts and deletes entries
 * without counting: statements counting for themselves left its writes out, so a batch's count
 * drifted both ways (a member an older worker finished kept the batch pending for good; one an
 * older process added let a newer worker fire the callbacks early). The first v5 release (14817f2)
 * counts in its own statements, beside the trigger: the second trigger drops those direct writes
 * to the counts (a statement's own, at trigger depth 0), so its entries are counted once, by the
 * trigger, and it reads the same counts.
 */
export const entryCountsTrigger = "coordination_entries_counted";

/**
 * Makes the counts table and its triggers when missing; called inside `createTables`' transaction,
 * after its advisory lock, so processes of this release starting together do it once. The counts are
 * recounted from the rows as the trigger is made (repairing any an earlier release left wrong), with
 * both tables locked against writers of every release (older ones take no advisory lock): a write
 * committed before the lock is in the recount, one after it goes through the trigger.
 */
export async function keepEntryCounts(transaction: SqlExecutor, schema: PostgresSchema): Promise<void> {
  const entries = `${schema.quoted}.coordination_entries`;
  const entryCounts = `${schema.quoted}.coordination_entry_counts`;
  await transaction.query(`CREATE TABLE IF NOT EXISTS ${entryCounts} (key text PRIMARY KEY, entries bigint NOT NULL)`);
  const [kept] = await transaction.query<{ kept: boolean }>(`SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = $2) AS kept`, [entries, entryCountsTrigger]);
  if (kept?.kept) return;
  await transaction.query(`LOCK TABLE ${entries}, ${entryCounts} IN SHARE ROW EXCLUSIVE MODE`);
  // An upsert that updates (ON CONFLICT DO UPDATE) fires no INSERT trigger: only rows that appear or go are counted.
  await transaction.query(
    `CREATE OR REPLACE FUNCTION ${schema.quoted}.coordination_entries_count() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF TG_OP = 'INSERT' THEN
         INSERT INTO ${entryCounts} AS counts (key, entries) VALUES (NEW.key, 1) ON CONFLICT (key) DO UPDATE SET entries = counts.entries + 1;
       ELSE
         UPDATE ${entryCounts} SET entries = entries - 1 WHERE key = OLD.key;
       END IF;
       RETURN NULL;
     END $$`,
  );
  await transaction.query(`CREATE OR REPLACE FUNCTION ${schema.quoted}.coordination_entry_counts_skip() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`);
  await transaction.query(`DROP TRIGGER IF EXISTS coordination_entry_counts_statements_skipped ON ${entryCounts}`);
  await transaction.query(`DELETE FROM ${entryCounts}`);
  await transaction.query(`INSERT INTO ${entryCounts} (key, entries) SELECT key, count(*) FROM ${entries} GROUP BY key`);
  await transaction.query(`CREATE TRIGGER ${entryCountsTrigger} AFTER INSERT OR DELETE ON ${entries} FOR EACH ROW EXECUTE FUNCTION ${schema.quoted}.coordination_entries_count()`);
  // The trigger above writes at depth 1; a statement's own insert or update of a count (14817f2's) is skipped.
  await transaction.query(
    `CREATE TRIGGER coordination_entry_counts_statements_skipped BEFORE INSERT OR UPDATE ON ${entryCounts}
     FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION ${schema.quoted}.coordination_entry_counts_skip()`,
  );
}

/** SQL true while the key `keyExpression` names is held (`coordination_entry_holds`, v7): none of its entries expires. */
export function heldCondition(schema: PostgresSchema): (keyExpression: string) => string {
  return (keyExpression) => `EXISTS (SELECT 1 FROM ${schema.quoted}.coordination_entry_holds WHERE key = ${keyExpression} AND held_until > now())`;
}

/**
 * One statement: drops `key`'s expired entries (by the `(key, expires_at)` index, reading no live
 * one) unless the key is held, and answers the live ones. The trigger counts the deletes at the
 * statement's end, after the count it read, so the rows it deleted are taken off here.
 */
export function countEntriesStatement(schema: PostgresSchema): string {
  return `WITH swept AS (DELETE FROM ${schema.quoted}.coordination_entries WHERE key = $1 AND expires_at <= now() AND NOT ${heldCondition(schema)("$1")} RETURNING 1)
          SELECT COALESCE((SELECT entries FROM ${schema.quoted}.coordination_entry_counts WHERE key = $1), 0) - (SELECT count(*) FROM swept) AS entries`;
}

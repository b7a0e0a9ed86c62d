import type { PGlite } from "@electric-sql/pglite";
import { BackendClosedError, COORDINATION_SPECIFICATION_VERSION, type CoordinationStore } from "@hopper/core";
import pg from "pg";
import { transactionClient } from "./postgres-backend.js";
import { databaseGuard } from "./postgres-database-identity.js";
import { createClientExecutor, type SqlExecutor } from "./postgres-executor.js";
import { storeExecutor } from "./postgres-store-connection.js";
import { countEntriesStatement, heldCondition, keepEntryCounts } from "./postgres-entry-counts.js";
import { resolveSchema, type PostgresSchema } from "./postgres-schema.js";
import { optionKeysOf, rejectUnknownOptions, slotIntervalMicroseconds } from "@hopper/core/backend";

export interface PostgresCoordinationStoreOptions {
  /** A `pg` pool you own; left open on close. */
  readonly pool?: pg.Pool;
  /** A connection string: the store opens its own pool and ends it on close. */
  readonly connectionString?: string;
  /** A PGlite database you own (one process only, since it is embedded). */
  readonly pglite?: PGlite;
  /** Schema holding the tables. Default "hopper". */
  readonly schema?: string;
  /** Create the tables when missing before resolving. Default true. */
  readonly createTables?: boolean;
  /** Pool size when the store opens its own pool. Default 4. */
  readonly maxConnections?: number;
}

// First key of pg_advisory_xact_lock(int, int): "hopc"; the second is the coordination key's hash.
const advisoryLockNamespace = 0x686f7063;
// Second key while creating the tables; a coordination key hashing to 0 would only wait on it, never conflict.
const createTablesLockKey = 0;
const sweepEveryMs = 60_000;

/**
 * Creates the store's two tables when missing. Kept out of the backend's
 * numbered migrations (that ledger belongs to the message tables); every
 * statement is idempotent, and an advisory lock keeps concurrent starts from
 * racing on the catalog.
 */
async function createTables(executor: SqlExecutor, schema: PostgresSchema): Promise<void> {
  await executor.transaction(async (transaction) => {
    await transaction.query("SELECT pg_advisory_xact_lock($1, $2)", [advisoryLockNamespace, createTablesLockKey]);
    await transaction.query(`CREATE SCHEMA IF NOT EXISTS ${schema.quoted}`);
    // One row per live holder of a key; a row past expires_at counts as absent.
    await transaction.query(`CREATE TABLE IF NOT EXISTS ${schema.quoted}.coordination_holders (key text NOT NULL, holder text NOT NULL, expires_at timestamptz NOT NULL, PRIMARY KEY (key, holder))`);
    // For sweeping rows of keys that expired and were never touched again.
    await transaction.query(`CREATE INDEX IF NOT EXISTS coordination_holders_expires_idx ON ${schema.quoted}.coordination_holders (expires_at)`);
    // Numbers that only grow (the newest tick each recurring job enqueued).
    await transaction.query(`CREATE TABLE IF NOT EXISTS ${schema.quoted}.coordination_marks (key text PRIMARY KEY, value bigint NOT NULL)`);
    // Rate limits' buckets: the theoretical arrival time (GCRA), when the bucket is full again.
    await transaction.query(`CREATE TABLE IF NOT EXISTS ${schema.quoted}.coordination_rate_limits (key text PRIMARY KEY, tat timestamptz NOT NULL)`);
    // Entries (v4): a value per member of a key, each expiring on its own (the worker registry).
    await transaction.query(`CREATE TABLE IF NOT EXISTS ${schema.quoted}.coordination_entries (key text NOT NULL, member text NOT NULL, value text NOT NULL, expires_at timestamptz NOT NULL, PRIMARY KEY (key, member))`);
    // How many rows each key has (v5), kept by a trigger whoever writes them (postgres-entry-counts.ts).
    await keepEntryCounts(transaction, schema);
    // A key's expired rows, dropped before it is counted, without reading its live ones.
    await transaction.query(`CREATE INDEX IF NOT EXISTS coordination_entries_expires_idx ON ${schema.quoted}.coordination_entries (key, expires_at)`);
    // Holds (v7): until when no entry of a key expires, whatever its own expires_at.
    await transaction.query(`CREATE TABLE IF NOT EXISTS ${schema.quoted}.coordination_entry_holds (key text PRIMARY KEY, held_until timestamptz NOT NULL)`);
    // Fenced claims (v6): a key's last holder and its token, whether it was committed, and how long the key lives.
    await transaction.query(
      `CREATE TABLE IF NOT EXISTS ${schema.quoted}.coordination_fences (key text PRIMARY KEY, holder text NOT NULL, token bigint NOT NULL, expires_at timestamptz NOT NULL, committed boolean NOT NULL DEFAULT false, keep_until timestamptz NOT NULL)`,
    );
  });
}

const optionKeys = optionKeysOf<PostgresCoordinationStoreOptions>({ pool: true, connectionString: true, pglite: true, schema: true, createTables: true, maxConnections: true });

/**
 * A coordination store in PostgreSQL (or PGlite), beside the backend's tables. `acquire` serializes per key on a transaction-scoped advisory
 * lock, since counting holders and inserting one must not interleave; the
 * other operations (a rate limit's step included) are single statements. Times come from the server.
 */
export async function createPostgresCoordinationStore(options: PostgresCoordinationStoreOptions): Promise<CoordinationStore> {
  if (typeof options === "object" && options !== null) rejectUnknownOptions(options, optionKeys, "createPostgresCoordinationStore()");
  const executor = storeExecutor(options);
  const schema = resolveSchema(options.schema);
  let onThisDatabase: Awaited<ReturnType<typeof databaseGuard>>;
  try {
    if (options.createTables !== false) await createTables(executor, schema);
    onThisDatabase = await databaseGuard(executor, "postgres");
  } catch (error) {
    await executor.close().catch(() => {});
    throw error;
  }
  const holders = `${schema.quoted}.coordination_holders`;
  const marks = `${schema.quoted}.coordination_marks`;
  const rateLimits = `${schema.quoted}.coordination_rate_limits`;
  const entries = `${schema.quoted}.coordination_entries`;
  const entryCounts = `${schema.quoted}.coordination_entry_counts`;
  const countEntries = countEntriesStatement(schema);
  const holds = `${schema.quoted}.coordination_entry_holds`;
  const held = heldCondition(schema);
  const fences = `${schema.quoted}.coordination_fences`;
  let closed: Promise<void> | undefined;
  let lastSweep = Date.now();
  const open = () => {
    if (closed) throw new BackendClosedError({ backend: "postgres coordination" });
  };
  /** Now and then, drops rows of keys that expired and were never looked at again. */
  const sweep = () => {
    if (Date.now() - lastSweep < sweepEveryMs) return;
    lastSweep = Date.now();
    executor.query(`DELETE FROM ${holders} WHERE expires_at < now() - interval '1 minute'`).catch(() => {});
    executor.query(`DELETE FROM ${rateLimits} WHERE tat < now() - interval '1 minute'`).catch(() => {});
    executor.query(`DELETE FROM ${fences} WHERE keep_until < now() - interval '1 minute'`).catch(() => {});
    // The trigger takes them off their keys' counts; keys left with none go after.
    executor.query(`DELETE FROM ${holds} WHERE held_until < now() - interval '1 minute'`).catch(() => {});
    executor
      .query(`DELETE FROM ${entries} WHERE expires_at < now() - interval '1 minute' AND NOT ${held(`${entries}.key`)}`)
      .then(() => executor.query(`DELETE FROM ${entryCounts} WHERE entries <= 0`))
      .catch(() => {});
  };

  /** The store's own connections, or the caller's open transaction when it is on the store's database. */
  const on = async (transaction: unknown): Promise<SqlExecutor> => {
    if (transaction === undefined) return executor;
    const client = transactionClient(transaction);
    await onThisDatabase(client);
    return createClientExecutor(client);
  };

  return {
    specificationVersion: COORDINATION_SPECIFICATION_VERSION,
    name: "postgres",
    async acquire(key, holder, { limit, ttlMs, transaction: callers }) {
      open();
      sweep();
      // In the caller's transaction the advisory lock is held until its commit or rollback, so a concurrent acquire of the key waits to see which.
      return (await on(callers)).transaction(async (transaction) => {
        await transaction.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [advisoryLockNamespace, key]);
        await transaction.query(`DELETE FROM ${holders} WHERE key = $1 AND expires_at <= now()`, [key]);
        // Renews a current holder, or adds one while fewer than `limit` hold the key. One statement, so the
        // holders it answers with are the ones it decided on: release takes no lock, and a holder released
        // between two statements left a refusal naming nobody (an enqueue then answered with a job never sent).
        const [row] = await transaction.query<{ acquired: boolean; holders: string[] }>(
          `WITH live AS (
             SELECT holder FROM ${holders} WHERE key = $1 AND expires_at > now()
           ), taken AS (
             INSERT INTO ${holders} (key, holder, expires_at)
             SELECT $1, $2, now() + $3 * interval '1 millisecond'
             WHERE EXISTS (SELECT 1 FROM live WHERE holder = $2) OR (SELECT count(*) FROM live) < $4
             ON CONFLICT (key, holder) DO UPDATE SET expires_at = EXCLUDED.expires_at
             RETURNING holder
           )
           SELECT EXISTS (SELECT 1 FROM taken) AS acquired,
                  ARRAY(SELECT holder FROM live WHERE holder <> $2 UNION ALL SELECT holder FROM taken) AS holders`,
          [key, holder, Math.ceil(ttlMs), limit],
        );
        return { acquired: row!.acquired, holders: row!.holders };
      });
    },
    async extend(key, holder, ttlMs) {
      open();
      const rows = await executor.query(
        `UPDATE ${holders} SET expires_at = now() + $3 * interval '1 millisecond' WHERE key = $1 AND holder = $2 AND expires_at > now() RETURNING holder`,
        [key, holder, Math.ceil(ttlMs)],
      );
      return rows.length > 0;
    },
    async release(key, holder, options) {
      open();
      await (await on(options?.transaction)).query(`DELETE FROM ${holders} WHERE key = $1 AND holder = $2`, [key, holder]);
    },
    async advance(key, value) {
      open();
      const rows =
        value === undefined
          ? await executor.query<{ value: string }>(`SELECT value FROM ${marks} WHERE key = $1`, [key])
          : await executor.query<{ value: string }>(
              `INSERT INTO ${marks} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = GREATEST(${marks}.value, EXCLUDED.value) RETURNING value`,
              [key, Math.trunc(value)],
            );
      // bigint arrives as text (pg) or a bigint/number (PGlite).
      return rows[0] === undefined ? undefined : Number(rows[0].value);
    },
    async takeRateSlot(key, { intervalMs: exactIntervalMs, burst, maxWaitMs }) {
      open();
      sweep();
      // PostgreSQL's intervals are whole µs: rounded up, so `3 per second` never fits four slots in 999.999 ms.
      const intervalMs = slotIntervalMicroseconds(exactIntervalMs) / 1000;
      // One statement, GCRA as in stepRateSlot (@hopper/core): a bucket row is locked by the ON CONFLICT
      // update, which recomputes from the row as it stands, so concurrent steps never share a slot.
      // \`seen\` (read before the lock) only says how long a refused taker should wait.
      const rows = await executor.query<{ taken_ms: string | number | null; taken_at_ms: string | number | null; seen_ms: string | number }>(
        `WITH seen AS (SELECT GREATEST(COALESCE((SELECT tat FROM ${rateLimits} WHERE key = $1), now()), now()) AS start),
         taken AS (
           INSERT INTO ${rateLimits} AS bucket (key, tat) VALUES ($1, now() + $2::float8 * interval '1 millisecond')
           ON CONFLICT (key) DO UPDATE SET tat = GREATEST(bucket.tat, now()) + $2::float8 * interval '1 millisecond'
             WHERE GREATEST(bucket.tat, now()) - now() <= ($4::float8 + ($3::float8 - 1) * $2::float8) * interval '1 millisecond'
           RETURNING bucket.tat
         )
         SELECT (SELECT extract(epoch FROM tat - now()) * 1000 FROM taken) AS taken_ms,
                (SELECT extract(epoch FROM tat) * 1000 FROM taken) AS taken_at_ms,
                (SELECT extract(epoch FROM start - now()) * 1000 FROM seen) AS seen_ms`,
        [key, intervalMs, burst, maxWaitMs],
      );
      const row = rows[0]!;
      // taken_ms is how far the new arrival time lies ahead: the slot starts burst intervals before it.
      if (row.taken_ms !== null) {
        const waitMs = Math.max(0, Number(row.taken_ms) - burst * intervalMs);
        // The slot starts at the later of now and burst intervals before the new arrival time.
        return { admitted: true, waitMs, startsAtMs: Number(row.taken_at_ms) - Number(row.taken_ms) + waitMs };
      }
      return { admitted: false, waitMs: Math.max(intervalMs, Number(row.seen_ms) - (burst - 1) * intervalMs) };
    },
    async putEntry(key, member, value, ttlMs, options) {
      open();
      sweep();
      // The trigger counts a new row; an update of an existing one is not counted. `unless` keeps a live row of that value.
      await executor.query(
        `INSERT INTO ${entries} AS entry (key, member, value, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
         ON CONFLICT (key, member) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
         WHERE $5::text IS NULL OR entry.value <> $5::text OR NOT (entry.expires_at > now() OR ${held("$1")})`,
        [key, member, value, Math.ceil(ttlMs), options?.unless ?? null],
      );
    },
    async holdEntries(key, ttlMs) {
      open();
      // Rows that expired before the hold are dropped first (the trigger counts them off), never brought back.
      await executor.query(
        `WITH swept AS (DELETE FROM ${entries} WHERE key = $1 AND expires_at <= now() AND NOT ${held("$1")})
         INSERT INTO ${holds} AS hold (key, held_until) VALUES ($1, now() + $2 * interval '1 millisecond')
         ON CONFLICT (key) DO UPDATE SET held_until = greatest(hold.held_until, EXCLUDED.held_until)`,
        [key, Math.ceil(ttlMs)],
      );
    },
    async listEntries(key) {
      open();
      return executor.query<{ member: string; value: string }>(`SELECT member, value FROM ${entries} WHERE key = $1 AND (expires_at > now() OR ${held("$1")})`, [key]);
    },
    async removeEntry(key, member) {
      open();
      await executor.query(`DELETE FROM ${entries} WHERE key = $1 AND member = $2`, [key, member]);
    },
    async countEntries(key) {
      open();
      const rows = await executor.query<{ entries: string | number }>(countEntries, [key]);
      return Number(rows[0]!.entries);
    },
    async acquireFenced(key, holder, { ttlMs, keepMs }) {
      open();
      sweep();
      // One statement: the ON CONFLICT update locks the row and decides from it as it stands; a key past keep_until
      // counts as absent (its commit forgotten, its tokens still growing). `seen` (read before the lock) only says
      // why a refused taker was refused, and a commit, once made, stays.
      const rows = await executor.query<{ token: string | number | null; committed: boolean | null }>(
        `WITH seen AS (SELECT committed AND keep_until > now() AS committed FROM ${fences} WHERE key = $1),
         taken AS (
           INSERT INTO ${fences} AS claim (key, holder, token, expires_at, keep_until)
           VALUES ($1, $2, 1, now() + $3::float8 * interval '1 millisecond', now() + GREATEST($3::float8, $4::float8) * interval '1 millisecond')
           ON CONFLICT (key) DO UPDATE SET
             token = CASE WHEN claim.holder = $2 AND claim.keep_until > now() THEN claim.token ELSE claim.token + 1 END,
             holder = $2, committed = false, expires_at = EXCLUDED.expires_at, keep_until = GREATEST(claim.keep_until, EXCLUDED.keep_until)
             WHERE claim.keep_until <= now() OR (NOT claim.committed AND (claim.holder = $2 OR claim.expires_at <= now()))
           RETURNING claim.token
         )
         SELECT (SELECT token FROM taken) AS token, (SELECT committed FROM seen) AS committed`,
        [key, holder, Math.ceil(ttlMs), Math.ceil(keepMs)],
      );
      const row = rows[0]!;
      return row.token !== null ? { acquired: true, token: Number(row.token), committed: false } : { acquired: false, committed: row.committed === true };
    },
    async extendFenced(key, holder, ttlMs) {
      open();
      const rows = await executor.query(
        `UPDATE ${fences} SET expires_at = now() + $3::float8 * interval '1 millisecond', keep_until = GREATEST(keep_until, now() + $3::float8 * interval '1 millisecond')
         WHERE key = $1 AND holder = $2 AND NOT committed AND expires_at > now() AND keep_until > now() RETURNING key`,
        [key, holder, Math.ceil(ttlMs)],
      );
      return rows.length > 0;
    },
    async releaseFenced(key, holder) {
      open();
      await executor.query(`UPDATE ${fences} SET expires_at = '-infinity' WHERE key = $1 AND holder = $2`, [key, holder]);
    },
    async fence(key, token, { commit, keepMs }) {
      open();
      // The commit is the same statement as the check: the row lock orders it against an acquire that moves the token on.
      const rows = commit
        ? await executor.query(
            `UPDATE ${fences} SET committed = true, keep_until = GREATEST(keep_until, now() + $3::float8 * interval '1 millisecond')
             WHERE key = $1 AND token = $2 AND NOT committed AND keep_until > now() RETURNING key`,
            [key, token, Math.ceil(keepMs)],
          )
        : await executor.query(`SELECT key FROM ${fences} WHERE key = $1 AND token = $2 AND NOT committed AND keep_until > now()`, [key, token]);
      return rows.length > 0;
    },
    async now() {
      open();
      // clock_timestamp(), not now(): now() is the start of a transaction the executor may have open.
      const rows = await executor.query<{ ms: string | number }>("SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms");
      return Number(rows[0]!.ms);
    },
    close() {
      closed ??= executor.close();
      return closed;
    },
  };
}

import { createHash } from "node:crypto";
import type { PGlite, Transaction as PGliteTransaction } from "@electric-sql/pglite";
import type pg from "pg";

/**
 * The one seam between the SQL operations and a driver: each operation is
 * written once against this, and runs on a `pg` pool, a PGlite database, or a
 * caller's open transaction alike.
 */
export interface SqlExecutor {
  query<Row>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<Row[]>;
  /** Runs `work` in one transaction (already inside one: just runs it). */
  transaction<T>(work: (executor: SqlExecutor) => Promise<T>): Promise<T>;
  /** Calls `onNotification` for each NOTIFY on `channel` (a lowercase identifier); resolves once listening. Absent when the executor cannot listen. */
  listen?(channel: string, onNotification: (payload: string) => void, onError: (error: Error) => void): Promise<() => Promise<void>>;
  /** One connection held until released, for session state (an advisory lock): its `lost` signal aborts when the connection drops. */
  hold(): Promise<HeldSession>;
  /** Releases what the executor owns (never a caller's pool, database or client). */
  close(): Promise<void>;
  /** An embedded database (PGlite): only this process can reach it. */
  readonly embedded?: boolean;
  /** How many connections its pool may open (a pg pool); absent where it has no pool (PGlite, a caller's client). */
  readonly maxConnections?: number;
}

export interface QueryOptions {
  /**
   * Planned anew at every call, for these parameters (sent unnamed). For statements whose good plan depends on
   * the arrays they are given and on how many rows the table holds now: a named statement may keep a generic
   * plan made on an earlier table (empty: a sequential scan) and reuse it when the table has grown. (#18)
   */
  readonly replan?: boolean;
}

export interface HeldSession {
  readonly executor: SqlExecutor;
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

/** Anything with `query(text, params) → { rows }`: a `pg` Client or PoolClient, a PGlite database or transaction. */
export interface QueryableClient {
  query(text: string, params?: any[]): Promise<{ rows: unknown[] }>;
}

/** Runs on a client the caller holds, inside the caller's transaction. */
export function createClientExecutor(client: QueryableClient): SqlExecutor {
  const executor: SqlExecutor = {
    async query<Row>(text: string, params: readonly unknown[] = []) {
      return (await client.query(text, [...params])).rows as Row[];
    },
    // The caller owns the transaction; our statements join it.
    transaction: (work) => work(executor),
    hold: async () => ({ executor, lost: new AbortController().signal, release: async () => {} }),
    async close() {},
  };
  return executor;
}

export function createPgExecutor(pool: pg.Pool, options: { ownsPool: boolean }): SqlExecutor {
  return {
    // pg's own default when the pool was made without `max`.
    maxConnections: pool.options.max ?? 10,
    async query<Row>(text: string, params: readonly unknown[] = [], options?: QueryOptions) {
      // Named, so each pooled connection parses and plans a statement once, not on every call; unless it is to be replanned.
      const result = await pool.query({ name: options?.replan ? undefined : statementName(text), text, values: [...params] });
      const { rows } = result;
      // pg keeps the result of the query that opened a pooled connection reachable for as long as the connection lives
      // (a connection listener's closure context reaches its promise): emptied, it keeps no rows. Otherwise a claim of
      // 1,000 messages that opened one would keep 1,000 bodies alive (~175 bytes per held job, bench memory scenario).
      result.rows = [];
      return rows as Row[];
    },
    async transaction(work) {
      const client = await pool.connect();
      // A checked-out client has no pool listener, and pg emits 'error' on it when its connection
      // drops (a server crash): unheard, that kills the process. The failing query rejects anyway.
      let lost: Error | undefined;
      const onLost = (error: Error) => (lost = error);
      client.on("error", onLost);
      try {
        await client.query("BEGIN");
        const result = await work(createClientExecutor(client));
        await client.query("COMMIT");
        client.off("error", onLost);
        client.release();
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        client.off("error", onLost);
        // A lost connection is discarded, not handed to the next caller.
        client.release(lost);
        throw error;
      }
    },
    async listen(channel, onNotification, onError) {
      // One connection held for good: LISTEN belongs to a session.
      const client = await pool.connect();
      const onMessage = (message: pg.Notification) => {
        if (message.channel === channel) onNotification(message.payload ?? "");
      };
      const onClientError = (error: Error) => onError(error);
      client.on("notification", onMessage);
      client.on("error", onClientError);
      try {
        await client.query(`LISTEN ${quoteIdentifier(channel)}`);
      } catch (error) {
        client.off("notification", onMessage);
        client.release(error as Error);
        throw error;
      }
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        client.off("notification", onMessage);
        try {
          await client.query(`UNLISTEN ${quoteIdentifier(channel)}`);
          client.off("error", onClientError);
          client.release();
        } catch (error) {
          client.off("error", onClientError);
          client.release(error as Error);
        }
      };
    },
    async hold() {
      const client = await pool.connect();
      const lost = new AbortController();
      // Unheard, a checked-out client's 'error' (its connection dropped) kills the process.
      const onLost = (error: Error) => lost.abort(error);
      client.on("error", onLost);
      return {
        executor: createClientExecutor(client),
        lost: lost.signal,
        async release() {
          client.off("error", onLost);
          // A dropped connection is discarded, not handed to the next caller.
          client.release(lost.signal.aborted ? (lost.signal.reason as Error) : undefined);
        },
      };
    },
    async close() {
      if (options.ownsPool) await pool.end();
    },
  };
}

export function createPGliteExecutor(database: PGlite, options: { ownsDatabase: boolean }): SqlExecutor {
  const wrapTransaction = (transaction: PGliteTransaction) => createClientExecutor(transaction);
  return {
    embedded: true,
    async query<Row>(text: string, params: readonly unknown[] = []) {
      return (await database.query<Row>(text, [...params])).rows;
    },
    transaction: (work) => database.transaction((transaction) => work(wrapTransaction(transaction))),
    async listen(channel, onNotification) {
      // PGlite runs in this process, so a callback is the whole fan-out.
      return database.listen(channel, onNotification);
    },
    // One embedded connection: the session is the database itself.
    async hold() {
      return { executor: this, lost: new AbortController().signal, release: async () => {} };
    },
    async close() {
      if (options.ownsDatabase) await database.close();
    },
  };
}

/** Quotes an already validated identifier (schema, channel). */
export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

const statementNames = new Map<string, string>();

/** A stable name per SQL text (every statement here is fixed text with parameters). */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `hopper_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}

import { randomUUID } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { requireService } from "@hopper/services";
import { afterAll, afterEach } from "vitest";
import type { CoordinationStore, OutboxStore } from "@hopper/core";
import { createPostgresBackend, openPostgresBackend, type PostgresBackend, type PostgresBackendOptions } from "./postgres-backend.js";
import { createPostgresCoordinationStore } from "./postgres-coordination-store.js";
import { createPostgresOutbox } from "./postgres-outbox.js";
import { createPgExecutor, createPGliteExecutor, type QueryableClient } from "./postgres-executor.js";

type BackendOverrides = Omit<PostgresBackendOptions, "pool" | "connectionString" | "pglite">;

/** One database a test file runs against: the services tool's PostgreSQL, or PGlite in memory. */
export interface PostgresTarget {
  readonly name: "postgres" | "pglite";
  /** A fresh backend on this file's schema (or `overrides.schema`). */
  createBackend(overrides?: BackendOverrides): Promise<PostgresBackend>;
  /** A backend whose statements keep unfinished records in job_records rows, as releases before migration 5 did (a rolling deploy's older worker). */
  createOlderRecordsBackend(overrides?: BackendOverrides): Promise<PostgresBackend>;
  /** A coordination store on the same database and schema. */
  createCoordinationStore(): Promise<CoordinationStore>;
  /** A transactional outbox on the same database and schema. */
  createOutbox(): Promise<OutboxStore>;
  /** Plain SQL for assertions and setup. */
  query<Row>(text: string, params?: unknown[]): Promise<Row[]>;
  readonly schema: string;
  /** Runs `work` in a transaction on a connection of the test's own (a pg client after BEGIN, or a PGlite transaction); rolls back when it throws. */
  transaction<T>(work: (client: QueryableClient) => Promise<T>): Promise<T>;
}

export function uniqueSchema(): string {
  return `hopper_test_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
}

/** A fresh schema on the server at `url`, dropped after the test file. */
export function throwawaySchema(url: string): string {
  const schema = uniqueSchema();
  afterAll(async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });
  return schema;
}

/** The PostgreSQL URL from the services tool; requireService skips loudly locally and fails under CI=true. */
export function postgresUrl(): string | undefined {
  return requireService("postgres")?.HOPPER_TEST_POSTGRES_URL;
}

/** Targets for this test file; each cleans up after the file. */
export function postgresTargets(): PostgresTarget[] {
  const targets: PostgresTarget[] = [pgliteTarget()];
  const url = postgresUrl();
  if (url) targets.unshift(serverTarget(url));
  return targets;
}

function serverTarget(url: string): PostgresTarget {
  const schema = uniqueSchema();
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });
  return {
    name: "postgres",
    schema,
    createBackend: (overrides) => createPostgresBackend({ connectionString: url, schema, maxConnections: 4, ...overrides }),
    createOlderRecordsBackend: (overrides) => openPostgresBackend(createPgExecutor(new pg.Pool({ connectionString: url, max: 4 }), { ownsPool: true }), "postgres", { schema, ...overrides }, { messageRows: false }),
    createCoordinationStore: () => createPostgresCoordinationStore({ connectionString: url, schema, maxConnections: 2 }),
    createOutbox: () => createPostgresOutbox({ connectionString: url, schema, maxConnections: 3 }),
    query: async (text, params) => (await pool.query(text, params)).rows,
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

function pgliteTarget(): PostgresTarget {
  const schema = uniqueSchema();
  let database: PGlite | undefined;
  // One PGlite per file: starting the WASM build takes seconds.
  const shared = () => (database ??= new PGlite());
  afterAll(async () => {
    await database?.close();
  });
  return {
    name: "pglite",
    schema,
    createBackend: (overrides) => createPostgresBackend({ pglite: shared(), schema, ...overrides }),
    createOlderRecordsBackend: (overrides) => openPostgresBackend(createPGliteExecutor(shared(), { ownsDatabase: false }), "pglite", { schema, ...overrides }, { messageRows: false }),
    createCoordinationStore: () => createPostgresCoordinationStore({ pglite: shared(), schema }),
    createOutbox: () => createPostgresOutbox({ pglite: shared(), schema }),
    query: async (text, params) => (await shared().query(text, params)).rows as never,
    transaction: (work) => shared().transaction(work),
  };
}

export function uniqueQueue(prefix = "q"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Opens backends on `target` for the current test and closes them after it. */
export function openedPerTest(target: PostgresTarget, defaults: BackendOverrides = {}): (overrides?: BackendOverrides) => Promise<PostgresBackend> {
  const opened: PostgresBackend[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()));
  });
  return async (overrides) => {
    const backend = await target.createBackend({ ...defaults, ...overrides });
    opened.push(backend);
    return backend;
  };
}

export const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Resolves once another session's statement like `like` (SQL LIKE), naming schema `schemaName`, waits on a lock: a
 * race set up by holding a row in an open transaction. Also resolves once `ended()` says that statement finished
 * without waiting.
 */
export async function statementWaitingOnLock(pool: pg.Pool, like: string, schemaName: string, ended: () => boolean = () => false): Promise<void> {
  while (!ended()) {
    const waiting = await pool.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1 AND query LIKE $2 AND pid <> pg_backend_pid()", [like, `%${schemaName}%`]);
    if (waiting.rows.length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

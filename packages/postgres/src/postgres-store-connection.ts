import type { PGlite } from "@electric-sql/pglite";
import { ConfigurationError } from "@hopper/core";
import pg from "pg";
import { checkConnectionString } from "./postgres-backend.js";
import { createPgExecutor, createPGliteExecutor, type SqlExecutor } from "./postgres-executor.js";

/** Where a store outside the backend (coordination, records) gets its connection: exactly one of these. */
export interface PostgresStoreConnection {
  readonly pool?: pg.Pool;
  readonly connectionString?: string;
  readonly pglite?: PGlite;
  readonly maxConnections?: number;
}

/** The executor for the one source given; a pool made from a connection string is the store's own. */
export function storeExecutor(options: PostgresStoreConnection): SqlExecutor {
  const sources = (["pool", "connectionString", "pglite"] as const).filter((key) => options?.[key] !== undefined);
  if (sources.length !== 1) {
    throw new ConfigurationError({ field: sources.length === 0 ? "pool" : sources.join(", "), message: "give exactly one of pool (a pg.Pool), connectionString (postgres://…) or pglite (a PGlite database)" });
  }
  if (options.pglite) return createPGliteExecutor(options.pglite, { ownsDatabase: false });
  if (options.pool) return createPgExecutor(options.pool, { ownsPool: false });
  checkConnectionString(options.connectionString);
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 4 });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  return createPgExecutor(pool, { ownsPool: true });
}

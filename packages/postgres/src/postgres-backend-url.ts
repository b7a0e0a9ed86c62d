import { ConfigurationError } from "@hopper/core";
import { createPostgresBackend, openPostgresBackend, type PostgresBackend } from "./postgres-backend.js";
import { createPGliteExecutor } from "./postgres-executor.js";

/**
 * `postgres://` and `postgresql://` (a server; `?schema=` picks the schema),
 * `pglite://memory` (embedded, in memory) and `pglite://PATH` (embedded,
 * stored in PATH, e.g. pglite://./data or pglite:///var/lib/hopper).
 */
export async function createBackendFromUrl(url: URL): Promise<PostgresBackend> {
  const schema = url.searchParams.get("schema") ?? undefined;
  if (url.protocol === "postgres:" || url.protocol === "postgresql:") {
    const connection = new URL(url.href);
    connection.searchParams.delete("schema");
    return createPostgresBackend({ connectionString: connection.href, ...(schema !== undefined && { schema }) });
  }
  if (url.protocol === "pglite:") {
    const path = decodeURIComponent(url.host + url.pathname);
    // Loaded only here, so pg users never load the WASM build.
    const { PGlite } = await import("@electric-sql/pglite");
    const database = path === "" || path === "memory" ? new PGlite() : new PGlite(path);
    return openPostgresBackend(createPGliteExecutor(database, { ownsDatabase: true }), "pglite", { ...(schema !== undefined && { schema }) });
  }
  throw new ConfigurationError({ field: "url", message: `@hopper/postgres serves postgres://, postgresql:// and pglite:// URLs, not ${url.protocol}//` });
}

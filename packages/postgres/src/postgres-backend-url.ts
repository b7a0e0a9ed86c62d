import { ConfigurationError, type CoordinationStore, type OutboxStore } from "@hopper/core";
import { checkUrlParameters } from "@hopper/core/backend";
import { createPostgresOutbox } from "./postgres-outbox.js";
import { createPostgresCoordinationStore } from "./postgres-coordination-store.js";
import { createPostgresBackend, openPostgresBackend, type PostgresBackend } from "./postgres-backend.js";
import { createPGliteExecutor } from "./postgres-executor.js";

/**
 * `postgres://` and `postgresql://` (a server; `?schema=` picks the schema),
 * `pglite://memory` (embedded, in memory) and `pglite://PATH` (embedded,
 * stored in PATH, e.g. pglite://./data or pglite:///var/lib/hopper).
 */
export async function createBackendFromUrl(url: URL): Promise<PostgresBackend> {
  if (url.protocol === "postgres:" || url.protocol === "postgresql:") return createPostgresBackend(serverOptions(url));
  if (url.protocol === "pglite:") {
    // PGlite reads no parameters of its own: anything but ours would be ignored.
    checkUrlParameters(url, ["schema"], url.protocol);
    const schema = url.searchParams.get("schema") ?? undefined;
    const path = decodeURIComponent(url.host + url.pathname);
    // Loaded only here, so pg users never load the WASM build.
    const { PGlite } = await import("@electric-sql/pglite");
    if (path === "") throw new ConfigurationError({ field: "url", message: "pglite:// needs a path (pglite://./data) or, for a database that dies with the process, pglite://memory" });
    const database = path === "memory" ? new PGlite() : new PGlite(path);
    return openPostgresBackend(createPGliteExecutor(database, { ownsDatabase: true }), "pglite", { ...(schema !== undefined && { schema }) });
  }
  throw new ConfigurationError({ field: "url", message: `@hopper/postgres serves postgres://, postgresql:// and pglite:// URLs, not ${url.protocol}//` });
}

/**
 * The default coordination store of a Hopper on this URL: the same server.
 * None for pglite://: an embedded database is one process's, and that
 * backend declares itself process-local, so coordination stays in process.
 */
export async function createCoordinationStoreFromUrl(url: URL): Promise<CoordinationStore | undefined> {
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") return undefined;
  return createPostgresCoordinationStore(serverOptions(url));
}

/** createHopper({ outbox: "postgres://…" }): the outbox in that database (`?schema=` picks the schema). */
export async function createOutboxStoreFromUrl(url: URL): Promise<OutboxStore> {
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ConfigurationError({ field: "outbox", message: `an outbox URL must be postgres://… (the database your transactions run on), not ${url.protocol}//; for PGlite pass createPostgresOutbox({ pglite })` });
  }
  return createPostgresOutbox(serverOptions(url));
}

/**
 * A server URL as node-postgres takes it, our `?schema=` taken out. node-postgres reads every other parameter as its
 * own (`sslmode`, `application_name`, …), so only a near miss of ours (`shema`, `Schema`) is refused.
 */
function serverOptions(url: URL): { connectionString: string; schema?: string } {
  checkUrlParameters(url, ["schema"], url.protocol, "node-postgres");
  const schema = url.searchParams.get("schema") ?? undefined;
  const connection = new URL(url.href);
  connection.searchParams.delete("schema");
  return { connectionString: connection.href, ...(schema !== undefined && { schema }) };
}

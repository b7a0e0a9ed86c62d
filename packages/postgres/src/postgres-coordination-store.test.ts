import { PGlite } from "@electric-sql/pglite";
import { runCoordinationStoreSuite } from "@hopper/conformance";
import pg from "pg";
import { afterAll, describe } from "vitest";
import { createPostgresCoordinationStore } from "./postgres-coordination-store.js";
import { postgresUrl, uniqueSchema } from "./test-postgres-targets.js";

const url = postgresUrl();

describe.skipIf(!url)("on PostgreSQL", () => {
  const schema = uniqueSchema();
  afterAll(async () => {
    const pool = new pg.Pool({ connectionString: url!, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });
  runCoordinationStoreSuite({ name: "postgres", createStore: () => createPostgresCoordinationStore({ connectionString: url!, schema, maxConnections: 3 }) });
});

describe("on PGlite", () => {
  // One embedded database for the file (starting it takes seconds); each store wraps it and leaves it open.
  let database: PGlite | undefined;
  afterAll(async () => {
    await database?.close();
  });
  runCoordinationStoreSuite({ name: "pglite", createStore: () => createPostgresCoordinationStore({ pglite: (database ??= new PGlite()), schema: "hopper" }) });
});

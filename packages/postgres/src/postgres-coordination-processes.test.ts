import { runCoordinationProcessSuite } from "@hopper/conformance";
import pg from "pg";
import { afterAll, describe } from "vitest";
import { postgresUrl, uniqueSchema } from "./test-postgres-targets.js";

const url = postgresUrl();

// Separate processes share the database, so only a server applies (PGlite is in-process).
describe.skipIf(!url)("postgres coordination across processes", () => {
  const schema = uniqueSchema();
  afterAll(async () => {
    const pool = new pg.Pool({ connectionString: url!, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });
  runCoordinationProcessSuite({
    name: "postgres",
    backendUrl: `${url}?schema=${schema}`,
    coordination: { module: "@hopper/postgres", factory: "createPostgresCoordinationStore", options: { connectionString: url, schema, maxConnections: 2 } },
  });
});

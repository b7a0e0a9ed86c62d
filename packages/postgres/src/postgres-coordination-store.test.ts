import { PGlite } from "@electric-sql/pglite";
import { runCoordinationStoreSuite, runSchedulerEdgesSuite } from "@hopper/conformance";
import { afterAll, describe } from "vitest";
import { createPostgresCoordinationStore } from "./postgres-coordination-store.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

describe.skipIf(!url)("on PostgreSQL", () => {
  const schema = throwawaySchema(url!);
  runCoordinationStoreSuite({ name: "postgres", createStore: () => createPostgresCoordinationStore({ connectionString: url!, schema, maxConnections: 3 }) });
  runSchedulerEdgesSuite({ name: "postgres", createStore: () => createPostgresCoordinationStore({ connectionString: url!, schema, maxConnections: 3 }) });
});

describe("on PGlite", () => {
  // One embedded database for the file (starting it takes seconds); each store wraps it and leaves it open.
  let database: PGlite | undefined;
  afterAll(async () => {
    await database?.close();
  });
  runCoordinationStoreSuite({ name: "pglite", createStore: () => createPostgresCoordinationStore({ pglite: (database ??= new PGlite()), schema: "hopper" }) });
});

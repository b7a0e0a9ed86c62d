import { PGlite } from "@electric-sql/pglite";
import { runBatchSuite } from "@hopper/conformance";
import { afterAll, describe } from "vitest";
import { createPostgresBackend } from "./postgres-backend.js";
import { createPostgresCoordinationStore } from "./postgres-coordination-store.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

describe.skipIf(!url)("on PostgreSQL", () => {
  const schema = throwawaySchema(url!);
  runBatchSuite({
    name: "postgres",
    connect: async () => ({ backend: await createPostgresBackend({ connectionString: url!, schema, maxConnections: 3 }) }),
    createCoordinationStore: async () => createPostgresCoordinationStore({ connectionString: url!, schema, maxConnections: 3 }),
  });
});

describe("on PGlite", () => {
  // One embedded database for the file (starting it takes seconds); each backend and store wraps it and leaves it open.
  let database: PGlite | undefined;
  afterAll(async () => {
    await database?.close();
  });
  runBatchSuite({
    name: "pglite",
    connect: async () => ({ backend: await createPostgresBackend({ pglite: (database ??= new PGlite()), schema: "hopper" }) }),
    createCoordinationStore: async () => createPostgresCoordinationStore({ pglite: (database ??= new PGlite()), schema: "hopper" }),
  });
});

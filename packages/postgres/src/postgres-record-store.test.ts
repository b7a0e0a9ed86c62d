import { PGlite } from "@electric-sql/pglite";
import { runJobRecordsSuite, runRecordStoreSuite } from "@hopper/conformance";
import { afterAll, beforeAll, describe } from "vitest";
import { createPostgresBackend } from "./postgres-backend.js";
import { createPostgresRecordStore } from "./postgres-record-store.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

describe.skipIf(!url)("on PostgreSQL", () => {
  const schema = throwawaySchema(url!);
  runRecordStoreSuite({ name: "postgres", createStore: () => createPostgresRecordStore({ connectionString: url!, schema, maxConnections: 3 }) });
  // The backend's own store (Backend.recordStore), as createHopper({ url, records: {} }) uses it.
  runJobRecordsSuite({ name: "postgres", connect: async () => ({ backend: await createPostgresBackend({ connectionString: url!, schema, maxConnections: 3 }) }) });
});

describe("on PGlite", () => {
  // One embedded database for the file, started in a hook (seconds on a loaded machine); each store and backend wraps it and leaves it open.
  let database: PGlite;
  beforeAll(async () => {
    database = await PGlite.create();
  });
  afterAll(async () => {
    await database?.close();
  });
  runRecordStoreSuite({ name: "pglite", createStore: () => createPostgresRecordStore({ pglite: database, schema: "hopper" }) });
  runJobRecordsSuite({ name: "pglite", connect: async () => ({ backend: await createPostgresBackend({ pglite: database, schema: "hopper" }) }) });
});

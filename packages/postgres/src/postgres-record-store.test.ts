import { PGlite } from "@electric-sql/pglite";
import { runJobRecordsSuite, runRecordStoreSuite } from "@hopper/conformance";
import type { RecordStore } from "@hopper/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresBackend, type PostgresBackend } from "./postgres-backend.js";
import { createPostgresRecordStore } from "./postgres-record-store.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

/** The backend's own store (records of unfinished jobs in message rows), closing its backend with it. */
async function backendStore(backend: Promise<PostgresBackend>): Promise<RecordStore> {
  const opened = await backend;
  const store = opened.recordStore!();
  return { ...store, close: async () => Promise.all([store.close(), opened.close()]).then(() => {}) };
}

describe.skipIf(!url)("on PostgreSQL", () => {
  const schema = throwawaySchema(url!);
  runRecordStoreSuite({ name: "postgres", createStore: () => createPostgresRecordStore({ connectionString: url!, schema, maxConnections: 3 }) });
  runRecordStoreSuite({ name: "postgres backend's own", createStore: () => backendStore(createPostgresBackend({ connectionString: url!, schema, maxConnections: 3 })) });
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
  runRecordStoreSuite({ name: "pglite backend's own", createStore: () => backendStore(createPostgresBackend({ pglite: database, schema: "hopper" })) });
  runJobRecordsSuite({ name: "pglite", connect: async () => ({ backend: await createPostgresBackend({ pglite: database, schema: "hopper" }) }) });

  it("adds the batch, parent, args and listed_state columns to a records table made before them, keeping its rows and listing its finished ones", async () => {
    // The table as the first release of the store made it, with a row in it.
    await database.exec(`CREATE SCHEMA older;
      CREATE TABLE older.job_records (id text PRIMARY KEY, job text NOT NULL, queue text NOT NULL, state text NOT NULL, attempt integer NOT NULL DEFAULT 0,
        progress text, result text, error text, enqueued_at bigint NOT NULL, started_at bigint, finished_at bigint, run_at bigint,
        cancel_requested boolean NOT NULL DEFAULT false, expires_at timestamptz NOT NULL);
      INSERT INTO older.job_records (id, job, queue, state, enqueued_at, expires_at) VALUES ('before', 'SendEmail', 'mailers', 'waiting', 1, now() + interval '1 day');
      INSERT INTO older.job_records (id, job, queue, state, enqueued_at, finished_at, expires_at) VALUES ('done before', 'SendEmail', 'mailers', 'succeeded', 1, 5, now() + interval '1 day');
      CREATE INDEX job_records_finished_idx ON older.job_records (state, finished_at DESC, id COLLATE "C" DESC) WHERE state IN ('succeeded', 'failed', 'dead', 'cancelled');`);
    const store = await createPostgresRecordStore({ pglite: database, schema: "older" });
    try {
      expect(await store.get("before")).toMatchObject({ state: "waiting", batchId: null, parentId: null, args: null });
      await store.insert([{ id: "after", job: "SendEmail", queue: "mailers", enqueuedAt: 2, runAt: null, ttlMs: 60_000, batchId: "b", parentId: "p", args: '{"args":{"to":"a@example.com"}}' }]);
      expect(await store.get("after")).toMatchObject({ state: "waiting", batchId: "b", parentId: "p", args: '{"args":{"to":"a@example.com"}}' });
      // The listing moved to listed_state (#20): a record finished before the upgrade is listed, the old index is gone.
      expect((await store.list!({ state: "succeeded", limit: 10 })).records.map((record) => record.id)).toEqual(["done before"]);
      const indexes = await database.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = 'older' AND tablename = 'job_records' ORDER BY indexname");
      expect(indexes.rows.map((row) => row.indexname)).toEqual(["job_records_expiring_idx", "job_records_listed_idx", "job_records_pkey"]);
    } finally {
      await store.close();
    }
  });
});

// A misspelt option is refused before anything connects, naming it: the default schema used in silence in place of
// a misspelt `schema` put the jobs where no one looked.
import { expect, it } from "vitest";
import { createPostgresBackend } from "./postgres-backend.js";
import { createPostgresCoordinationStore } from "./postgres-coordination-store.js";
import { createPostgresOutbox } from "./postgres-outbox.js";
import { createPostgresRecordStore } from "./postgres-record-store.js";

it("the backend, record store, coordination store and outbox refuse options they do not have", async () => {
  const connectionString = "postgres://127.0.0.1:1/app";
  await expect(createPostgresBackend({ connectionString, shema: "x" } as never)).rejects.toThrow(/^shema: "shema" is not an option of createPostgresBackend\(\): use one of pool, connectionString, pglite, schema, /);
  await expect(createPostgresRecordStore({ connectionString, shema: "x" } as never)).rejects.toThrow(/^shema: .*createPostgresRecordStore\(\)/);
  await expect(createPostgresCoordinationStore({ connectionString, shema: "x" } as never)).rejects.toThrow(/^shema: .*createPostgresCoordinationStore\(\)/);
  await expect(createPostgresOutbox({ connectionString, shema: "x" } as never)).rejects.toThrow(/^shema: .*createPostgresOutbox\(\)/);
});

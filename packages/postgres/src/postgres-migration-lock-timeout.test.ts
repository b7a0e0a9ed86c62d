// Migration 9 rebuilds the due index under an ACCESS EXCLUSIVE lock on `messages`. While that lock is asked for,
// every other statement on the table queues behind it; a transaction left open on the table would stretch that wait
// to its own length. The migration gives up after 5 s (lock_timeout) instead, applying nothing.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createPostgresBackend } from "./postgres-backend.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

describe.skipIf(!url)("postgres: migration 9 waits a bounded time for its table lock", () => {
  const schema = url ? throwawaySchema(url) : "";

  it("gives up with a lock timeout, nothing applied, while a transaction holds messages, and applies once it ends", async () => {
    const backend = await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2 });
    const holder = new pg.Client({ connectionString: url! });
    await holder.connect();
    try {
      // The ledger as a release before migration 9 left it (the migration's statements apply again to its own shape).
      await holder.query(`DELETE FROM "${schema}".migrations WHERE version = 9`);
      // An application's transaction that read the table and stays open.
      await holder.query("BEGIN");
      await holder.query(`SELECT count(*) FROM "${schema}".messages`);
      await expect(backend.migrate()).rejects.toThrow(/lock timeout/);
      const ledger = await holder.query(`SELECT version FROM "${schema}".migrations WHERE version = 9`);
      expect(ledger.rows).toEqual([]);
      await holder.query("COMMIT");
      expect(await backend.migrate()).toEqual([9]);
    } finally {
      await holder.end();
      await backend.close();
    }
  }, 30_000);
});

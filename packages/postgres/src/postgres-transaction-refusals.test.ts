import { PGlite } from "@electric-sql/pglite";
import { ConfigurationError } from "@hopper/core";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { transactionClient } from "./postgres-backend.js";

// The review of 2026-12-08: `transaction` took any object with query(), so a pool or a PGlite database (rather than
// a client after BEGIN, or a PGlite transaction) enqueued outside any transaction, in silence: the job was visible at
// once and outlived the caller's rollback.
describe("a transactional enqueue's transaction", () => {
  const refusalOf = (transaction: unknown) => {
    try {
      transactionClient(transaction);
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it("refuses a pg pool and a PGlite database, naming the field and what to pass instead", async () => {
    const pool = new pg.Pool({ connectionString: "postgres://nobody@127.0.0.1:1/none" });
    const database = new PGlite();
    try {
      for (const [given, named] of [[pool, /a pg Pool/], [database, /a PGlite database/]] as const) {
        const refusal = refusalOf(given);
        expect(ConfigurationError.isInstance(refusal)).toBe(true);
        expect(refusal).toMatchObject({ field: "options.transaction", message: expect.stringMatching(named) });
      }
      // What is meant still passes: a client (BEGIN is the caller's) and a PGlite transaction.
      expect(refusalOf(new pg.Client())).toBeUndefined();
      await database.transaction(async (transaction) => expect(refusalOf(transaction)).toBeUndefined());
    } finally {
      await pool.end();
      await database.close();
    }
  });
});

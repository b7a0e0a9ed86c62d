import pg from "pg";
import { describe, expect, it } from "vitest";
import { createPgExecutor } from "./postgres-executor.js";
import { postgresUrl } from "./test-postgres-targets.js";

const url = postgresUrl();

// Found by the reliability crash run: a worker died of "Unhandled 'error' event … Connection
// terminated unexpectedly" when the server crashed. A client checked out of a pg pool has no
// error listener of the pool's, and pg emits 'error' on it when its connection drops.
describe.skipIf(!url)("a pooled transaction whose connection is lost", () => {
  it("rejects, and the lost connection's 'error' event does not crash the process", { timeout: 30_000 }, async () => {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const executor = createPgExecutor(pool, { ownsPool: false });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on("uncaughtException", onUncaught);
    try {
      const transaction = executor.transaction(async (client) => {
        const [row] = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        // The server ends this session between two statements, as a crash or a failover does.
        await admin.query("SELECT pg_terminate_backend($1)", [row!.pid]);
        await new Promise((resolve) => setTimeout(resolve, 500));
        await client.query("SELECT 1");
      });
      await expect(transaction).rejects.toThrow();
      // The pool still serves queries on a fresh connection.
      expect(await executor.query<{ one: number }>("SELECT 1 AS one")).toEqual([{ one: 1 }]);
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
      await admin.end();
      await pool.end();
    }
  });
});

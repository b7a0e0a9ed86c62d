// A receive's next-due lookup runs beside its wait, and its failure is swallowed (the next claim meets the same
// failure and reports it). Here the lookup's connection is killed mid-statement, as a server restart or a
// pg_terminate_backend would: the waiting receive must still take a job enqueued afterwards, later receives must work
// on the pool's other connections, and nothing may surface as an unhandled error.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresBackend, type PostgresBackend } from "./postgres-backend.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();
const stalledLookup = "SELECT pg_sleep(60) /* stalled next-due lookup */";

/** A pool whose next-due lookups run a long sleep instead, so the test can kill them mid-statement. */
class StalledLookupPool extends pg.Pool {
  lookups = 0;
  override query(...args: any[]): any {
    const text: unknown = typeof args[0] === "string" ? args[0] : args[0]?.text;
    if (typeof text === "string" && text.includes(".next_due_in_ms(")) {
      this.lookups += 1;
      return (super.query as any)(stalledLookup);
    }
    return (super.query as any)(...args);
  }
}

describe.skipIf(!url)("postgres: a receive whose next-due lookup loses its connection", () => {
  const schema = url ? throwawaySchema(url) : "";
  let pool: StalledLookupPool;
  let admin: pg.Client;
  let backend: PostgresBackend;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  beforeAll(async () => {
    process.on("unhandledRejection", onUnhandled);
    pool = new StalledLookupPool({ connectionString: url!, max: 4 });
    pool.on("error", () => {});
    admin = new pg.Client({ connectionString: url! });
    await admin.connect();
    backend = await createPostgresBackend({ pool, schema });
  }, 60_000);
  afterAll(async () => {
    process.off("unhandledRejection", onUnhandled);
    await backend?.close();
    await pool?.end();
    await admin?.end();
  });

  /** Terminates the backends running a stalled lookup; how many it found. */
  async function killStalledLookups(): Promise<number> {
    for (;;) {
      const { rows } = await admin.query<{ killed: boolean }>(
        "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE query = $1 AND state = 'active'",
        [stalledLookup],
      );
      if (rows.length > 0) return rows.filter((row) => row.killed).length;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it("still takes the job enqueued after the lookup died, and later receives work", { timeout: 30_000 }, async () => {
    const queue = "next-due-lost";
    const receiving = backend.receive({ queue, maxMessages: 1, waitMs: 20_000, leaseMs: 30_000 });
    while (pool.lookups === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(await killStalledLookups()).toBe(1);
    await backend.enqueue([{ id: "job-1", queue, body: "{}" }]);
    const [first] = await receiving;
    expect(first?.id).toBe("job-1");
    await first!.ack();

    await backend.enqueue([{ id: "job-2", queue, body: "{}" }]);
    const [second] = await backend.receive({ queue, maxMessages: 1, waitMs: 5_000, leaseMs: 30_000 });
    expect(second?.id).toBe("job-2");
    await second!.ack();
    expect(unhandled).toEqual([]);
  });
});

// A delayed row changed and committed while a take is under way, still takeable (the record store's remove() clears
// record_job so), must be leased by that take: the lock follows the row to its new version. The first version of
// migration 7 joined its update on the row version the lock returned (ctid), which the statement's snapshot does not
// see: the row was neither leased nor returned, the take came back short (empty here), and `hopper move` ends a
// queue at its first empty take. Found by review (benchmarks/results/postgres-next-due-plans-2026-12-04.md).
// The function is copied from the migration with a pause after its snapshot is taken, so the change lands inside it.
import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresBackend } from "./postgres-backend.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();
const migration = new URL("./migrations/000007_take_scheduled_and_next_due_functions.sql", import.meta.url);

/** take_scheduled_messages as migration 7 declares it, renamed, with a one-second pause as it finds the first priority. */
function pausedTake(schema: string): string {
  const text = readFileSync(migration, "utf8");
  const start = text.indexOf("CREATE FUNCTION {{schema}}.take_scheduled_messages(");
  const declaration = text.slice(start, text.indexOf("$$;", start) + 3).replaceAll("{{schema}}", `"${schema}"`);
  const firstPriority = "WHERE m.queue = queue_name ORDER BY m.priority DESC LIMIT 1)";
  expect(declaration).toContain(firstPriority);
  return declaration
    .replace(`"${schema}".take_scheduled_messages(`, `"${schema}".take_scheduled_paused(`)
    .replace(firstPriority, "WHERE m.queue = queue_name AND (SELECT 1 FROM pg_sleep(1)) = 1 ORDER BY m.priority DESC LIMIT 1)");
}

describe.skipIf(!url)("postgres: take-scheduled leases a row changed while it runs", () => {
  const schema = url ? throwawaySchema(url) : "";
  let admin: pg.Client;
  let taker: pg.Client;

  beforeAll(async () => {
    await (await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2 })).close();
    admin = new pg.Client({ connectionString: url });
    taker = new pg.Client({ connectionString: url });
    await Promise.all([admin.connect(), taker.connect()]);
    await admin.query(pausedTake(schema));
  });

  afterAll(async () => {
    await Promise.all([admin?.end(), taker?.end()]);
  });

  it("takes the soonest rows though a commit changed them after the take's snapshot", async () => {
    const messages = `"${schema}".messages`;
    await admin.query(
      `INSERT INTO ${messages} (id, queue, body, run_at, priority, record_job)
       SELECT 'd' || n, 'race', '{}', now() + interval '1 hour' + n * interval '1 second', (n % 2) * 5, 'Job' FROM generate_series(1, 6) AS n`,
    );
    const take = taker.query<{ id: string }>(`SELECT id FROM "${schema}".take_scheduled_paused('race', 3, 60000) ORDER BY due`);
    // Inside the pause: as the record store's remove() does; the rows stay delayed, unleased and takeable.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const changed = await admin.query(`UPDATE ${messages} SET record_job = NULL WHERE id IN ('d1', 'd2', 'd3')`);
    expect(changed.rowCount).toBe(3);
    expect((await take).rows.map((row) => row.id)).toEqual(["d1", "d2", "d3"]);
    const leased = await admin.query<{ id: string }>(`SELECT id FROM ${messages} WHERE locked_until IS NOT NULL ORDER BY id`);
    expect(leased.rows.map((row) => row.id)).toEqual(["d1", "d2", "d3"]);
  });
});

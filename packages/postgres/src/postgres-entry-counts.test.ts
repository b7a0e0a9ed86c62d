import { randomUUID } from "node:crypto";
import type { CoordinationStore } from "@hopper/core";
import pg from "pg";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPostgresCoordinationStore } from "./postgres-coordination-store.js";
import { createCoordinationV4Tables, olderCoordinationReleases } from "./test-fixtures/older-coordination-releases.js";
import { postgresTargets, postgresUrl, type PostgresTarget } from "./test-postgres-targets.js";

const hour = 3_600_000;

/** Those of `keys` whose kept count differs from their rows in coordination_entries (expired rows included: they are rows until deleted). */
async function miscounted(target: PostgresTarget, ...keys: string[]): Promise<{ key: string; rows: number; counted: number }[]> {
  const rows = await target.query<{ key: string; rows: string | number; counted: string | number }>(
    `SELECT key, COALESCE(r.n, 0) AS rows, COALESCE(c.entries, 0) AS counted
     FROM (SELECT key, count(*) AS n FROM "${target.schema}".coordination_entries GROUP BY key) AS r
     FULL JOIN "${target.schema}".coordination_entry_counts AS c USING (key)
     WHERE key = ANY($1) AND COALESCE(r.n, 0) <> COALESCE(c.entries, 0)`,
    [keys],
  );
  return rows.map((row) => ({ key: row.key, rows: Number(row.rows), counted: Number(row.counted) }));
}

/** The file's schema as a database that only v4 processes have used: v4's tables, these entries, no counts. */
async function resetToV4(target: PostgresTarget, entries: readonly [key: string, member: string][]): Promise<void> {
  await target.query(`DROP SCHEMA IF EXISTS "${target.schema}" CASCADE`);
  await createCoordinationV4Tables(target.query, target.schema);
  for (const [key, member] of entries) {
    await target.query(`INSERT INTO "${target.schema}".coordination_entries (key, member, value, expires_at) VALUES ($1, $2, 'v', now() + interval '1 hour')`, [key, member]);
  }
}

describe.each(postgresTargets().map((target) => [target.name, target] as const))("%s: entry counts in a rolling deploy", (_name, target) => {
  // Starting the embedded database takes seconds, tens of them on a loaded machine: not the first test's time.
  beforeAll(() => target.query("SELECT 1"), 120_000);
  const opened: CoordinationStore[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });
  const open = async () => {
    const store = await target.createCoordinationStore();
    opened.push(store);
    return store;
  };

  it("counts the entries a v4 process puts, removes and sweeps", async () => {
    const store = await open();
    const v4 = olderCoordinationReleases.v4(store, target.query, target.schema);
    const key = `pending:${randomUUID()}`;
    await store.putEntry(key, "a", "pending", hour);
    await store.putEntry(key, "b", "pending", hour);
    await v4.putEntry(key, "c", "pending", hour);
    await v4.putEntry(key, "c", "pending", hour);
    expect(await store.countEntries(key)).toBe(3);
    await v4.removeEntry(key, "a");
    await v4.removeEntry(key, "a");
    expect(await store.countEntries(key)).toBe(2);
    // Put two minutes in the past, so v4's sweep (rows expired over a minute ago) takes it.
    await v4.putEntry(key, "gone", "pending", -2 * 60_000);
    await v4.sweep();
    expect(await store.countEntries(key)).toBe(2);
    await store.removeEntry(key, "c");
    await v4.removeEntry(key, "b");
    expect(await store.countEntries(key)).toBe(0);
    expect(await miscounted(target, key)).toEqual([]);
  });

  it("counts once what the first v5 release (14817f2), which counts in its own statements, puts and removes; and that release reads the same count", async () => {
    const store = await open();
    const counting = olderCoordinationReleases.v5CountingItself(store, target.query, target.schema);
    const key = `pending:${randomUUID()}`;
    await counting.putEntry(key, "a", "pending", hour);
    await counting.putEntry(key, "a", "pending", hour);
    await store.putEntry(key, "b", "pending", hour);
    await counting.putEntry(key, "c", "pending", hour);
    expect(await store.countEntries(key)).toBe(3);
    expect(await counting.countEntries(key)).toBe(3);
    await counting.removeEntry(key, "a");
    await store.removeEntry(key, "c");
    expect(await store.countEntries(key)).toBe(1);
    expect(await counting.countEntries(key)).toBe(1);
    expect(await miscounted(target, key)).toEqual([]);
  });

  it("leaves out expired entries it has not yet deleted", async () => {
    const store = await open();
    const key = `pending:${randomUUID()}`;
    await store.putEntry(key, "live", "pending", hour);
    await store.putEntry(key, "expired", "pending", 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await store.countEntries(key)).toBe(1);
    expect(await miscounted(target, key)).toEqual([]);
  });

  it("counts, as the first store of this release starts, the entries a v4 database holds; stores starting together count them once", async () => {
    const keys = [`pending:${randomUUID()}`, `pending:${randomUUID()}`];
    await resetToV4(target, [
      [keys[0]!, "a"],
      [keys[0]!, "b"],
      [keys[1]!, "c"],
    ]);
    const stores = await Promise.all([open(), open(), open()]);
    expect(await stores[0]!.countEntries(keys[0]!)).toBe(2);
    expect(await stores[1]!.countEntries(keys[1]!)).toBe(1);
    const triggers = await target.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = '"${target.schema}".coordination_entries'::regclass AND NOT tgisinternal`);
    expect(triggers).toHaveLength(1);
    await stores[2]!.putEntry(keys[1]!, "d", "pending", hour);
    expect(await stores[0]!.countEntries(keys[1]!)).toBe(2);
    expect(await miscounted(target, ...keys)).toEqual([]);
  });

  it("recounts, once, counts the first v5 release left wrong while v4 processes wrote beside it", async () => {
    const key = `pending:${randomUUID()}`;
    await resetToV4(target, [
      [key, "a"],
      [key, "b"],
    ]);
    // What 14817f2 made of that database: its counts table, then a v4 process adding one entry uncounted.
    await target.query(`CREATE TABLE "${target.schema}".coordination_entry_counts (key text PRIMARY KEY, entries bigint NOT NULL)`);
    await target.query(`INSERT INTO "${target.schema}".coordination_entry_counts VALUES ($1, 2)`, [key]);
    await target.query(`INSERT INTO "${target.schema}".coordination_entries VALUES ($1, 'c', 'v', now() + interval '1 hour')`, [key]);
    const store = await open();
    expect(await store.countEntries(key)).toBe(3);
    // Started again, it leaves the counts alone.
    await store.putEntry(key, "d", "pending", hour);
    await open();
    expect(await store.countEntries(key)).toBe(4);
    expect(await miscounted(target, key)).toEqual([]);
  });
});

const url = postgresUrl();

describe.skipIf(!url)("postgres: entry counts made while v4 processes write", () => {
  const [target] = postgresTargets().filter((candidate) => candidate.name === "postgres");

  it("counts once a v4 insert and delete that commit while the first store of this release makes the counts", { timeout: 30_000 }, async () => {
    const key = `pending:${randomUUID()}`;
    await resetToV4(target!, [
      [key, "a"],
      [key, "b"],
    ]);
    const entries = `"${target!.schema}".coordination_entries`;
    const v4 = new pg.Client({ connectionString: url! });
    await v4.connect();
    let store: CoordinationStore | undefined;
    try {
      // A v4 worker mid-transaction: two members added, one finished, not committed yet.
      await v4.query("BEGIN");
      for (const member of ["c", "d"]) {
        await v4.query(`INSERT INTO ${entries} (key, member, value, expires_at) VALUES ($1, $2, 'pending', now() + interval '1 hour')`, [key, member]);
      }
      await v4.query(`DELETE FROM ${entries} WHERE key = $1 AND member = 'a'`, [key]);
      const starting = createPostgresCoordinationStore({ connectionString: url!, schema: target!.schema, maxConnections: 2 });
      // Commit only once the store waits for the table (it must neither miss the writes nor count them twice).
      const deadline = Date.now() + 20_000;
      while ((await target!.query(`SELECT 1 FROM pg_locks WHERE relation = to_regclass($1) AND NOT granted`, [entries])).length === 0) {
        if (Date.now() > deadline) throw new Error("the store never waited for the v4 transaction's table lock");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await v4.query("COMMIT");
      store = await starting;
      expect(await store.countEntries(key)).toBe(3);
      expect(await miscounted(target!, key)).toEqual([]);
    } finally {
      await v4.end();
      await store?.close();
    }
  });
});

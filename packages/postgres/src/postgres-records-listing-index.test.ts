// The index `list` reads (job_records_listed_idx). Finished records arrive in finished order; descending, each new
// entry went to the left end of its state's range, where a B-tree splits pages in half (2,000,000 records: 301 MB
// against 169 MB ascending, benchmarks/results/job-ids-v7-2026-12-05.md §5). A new table gets it ascending and `list`
// reads it backwards; a table made before keeps the descending one, which `list` reads forwards, in the same order.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordStore } from "@hopper/core";
import { createClientExecutor } from "./postgres-executor.js";
import { buildPostgresRecordStore, createPostgresRecordStore } from "./postgres-record-store.js";
import { resolveSchema } from "./postgres-schema.js";
import { planLoggingClient, plansOf } from "./test-plan-logging.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

describe.skipIf(!url)("postgres: the records' listing index", () => {
  const fresh = url ? throwawaySchema(url) : "";
  const older = url ? throwawaySchema(url) : "";
  let pool: pg.Pool;
  let client: pg.Client;
  const opened: RecordStore[] = [];
  const indexOf = async (schema: string) =>
    (await pool.query(`SELECT pg_get_indexdef(to_regclass($1)) AS definition`, [`"${schema}".job_records_listed_idx`])).rows[0].definition as string;
  /** 3,000 finished records of each of two states, three to a finishing ms (ties broken by id), in finished order. */
  const finished = (schema: string) =>
    pool.query(
      `INSERT INTO "${schema}".job_records (id, job, queue, state, attempt, enqueued_at, finished_at, expires_at)
       SELECT md5(n::text), 'Job', 'listing', CASE WHEN n % 2 = 0 THEN 'succeeded' ELSE 'failed' END, 1, 0, n / 6, now() + interval '1 day'
       FROM generate_series(1, 6000) AS n;
       ANALYZE "${schema}".job_records`,
    );
  /** The first three pages of 100 succeeded records, through the store's cursor. */
  const pages = async (store: RecordStore) => {
    const ids: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 3; page++) {
      const listed = await store.list!({ state: "succeeded", limit: 100, ...(after !== undefined && { after }) });
      ids.push(...listed.records.map((record) => record.id));
      after = listed.next ?? undefined;
    }
    return { ids, after: after! };
  };
  /** The plan of the page after `after`, as the store runs it (auto_explain on the store's own connection). */
  const planOfPage = async (schema: string, after: string) => {
    const store = buildPostgresRecordStore(createClientExecutor(client), resolveSchema(schema), { ownsExecutor: false, joinsTransactions: false, messageRows: false });
    await store.ready();
    const plans = await plansOf(client, () => store.list!({ state: "succeeded", limit: 100, after }));
    await store.close();
    return plans.join("\n");
  };

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: url!, max: 2 });
    client = await planLoggingClient(url!);
    const made = await createPostgresRecordStore({ connectionString: url!, schema: fresh, maxConnections: 2 });
    opened.push(made);
    await finished(fresh);
    // A table made by a release before this one: the same, with the listing index descending.
    opened.push(await createPostgresRecordStore({ connectionString: url!, schema: older, maxConnections: 2 }));
    await pool.query(`DROP INDEX "${older}".job_records_listed_idx`);
    await pool.query(`CREATE INDEX job_records_listed_idx ON "${older}".job_records (listed_state, finished_at DESC, id COLLATE "C" DESC) WHERE listed_state IS NOT NULL`);
    await finished(older);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(opened.map((store) => store.close()));
    await client?.end();
    await pool?.end();
  });

  it("a new table's listing index is ascending, and a page is read backwards from the cursor: 101 entries, not the state's 3,000", async () => {
    expect(await indexOf(fresh)).toMatch(/\(listed_state, finished_at, id COLLATE "C"\) WHERE/);
    const { ids, after } = await pages(opened[0]!);
    const expected = await pool.query(`SELECT id FROM "${fresh}".job_records WHERE state = 'succeeded' ORDER BY finished_at DESC, id COLLATE "C" DESC LIMIT 300`);
    expect(ids).toEqual(expected.rows.map((row) => row.id));
    const plan = await planOfPage(fresh, after);
    expect(plan).toMatch(/Index Scan Backward using job_records_listed_idx/);
    expect(Number(/Index Scan Backward using job_records_listed_idx[^\n]*actual time=[\d.]+\.\.[\d.]+ rows=(\d+)/.exec(plan)?.[1])).toBe(101);
  });

  it("a table made with the descending index keeps it (no rebuild at start) and lists the same pages, reading it forwards", async () => {
    // A store of this release opening the older table leaves its index as it is.
    opened.push(await createPostgresRecordStore({ connectionString: url!, schema: older, maxConnections: 2 }));
    expect(await indexOf(older)).toMatch(/\(listed_state, finished_at DESC, id COLLATE "C" DESC\) WHERE/);
    const { ids, after } = await pages(opened.at(-1)!);
    expect(ids).toEqual((await pages(opened[0]!)).ids);
    const plan = await planOfPage(older, after);
    expect(plan).toMatch(/Index Scan using job_records_listed_idx/);
    expect(Number(/Index Scan using job_records_listed_idx[^\n]*actual time=[\d.]+\.\.[\d.]+ rows=(\d+)/.exec(plan)?.[1])).toBe(101);
  });
});

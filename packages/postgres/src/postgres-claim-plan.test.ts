// A claim must read the claim index in its order and stop after the rows it takes, whatever the planner believes
// about the queue. Statistics that predate a burst (the last ANALYZE saw many other queues, then a vacuum found the
// table empty) made the planner estimate a few dozen rows for a queue holding 20,000 and claim with a bitmap scan
// plus a sort of all of them: each claim read the whole queue (benchmarks/results/postgres-stale-stats-2026-12-04.md).
// The claim is now a function with its own planner settings (migration 6); its plans are read with auto_explain,
// nested statements included, as the server logs them to this client.
import { describe, expect, it } from "vitest";
import { createClientExecutor } from "./postgres-executor.js";
import { claimMessages } from "./operations/claim-messages.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";
import { claimBeforeMigration6 } from "./test-fixtures/claim-before-migration-6.js";
import { planTable, plansOf } from "./test-plan-logging.js";
import { backendBeforeMigration, expectEachTakenOnceSideBySide, sharedSchema } from "./test-rolling-releases.js";

const url = postgresUrl();
const body = `'{"hopper":1,"id":"00000000-0000-0000-0000-000000000000","job":"Noop","args":{}}'`;

describe.skipIf(!url)("postgres: a claim's plan whatever the statistics say", () => {
  const setup = planTable(url);
  const { table, schema } = setup;
  const claim = (queue: string) => plansOf(setup.client, () => claimMessages(createClientExecutor(setup.client), schema, { queue, maxMessages: 100, leaseMs: 30_000 }));

  /** Statistics of many other queues, then a vacuum of the emptied table, then a burst of 20,000 into `queue`, which they never saw. */
  const burstAfterStaleStatistics = async (queue: string) => {
    await setup.client.query(`INSERT INTO ${table} (id, queue, body) SELECT 'old-' || n, 'old-' || (n % 500), ${body} FROM generate_series(1, 20000) AS n`);
    await setup.client.query(`ANALYZE ${table}`);
    await setup.client.query(`DELETE FROM ${table}`);
    await setup.client.query(`VACUUM ${table}`);
    await setup.client.query(`INSERT INTO ${table} (id, queue, body, run_at) SELECT 'new-' || n, $1, ${body}, now() - interval '1 second' FROM generate_series(1, 20000) AS n`, [queue]);
  };

  it("reads the claim index in order, no bitmap scan or sort of the queue, on statistics that predate it", async () => {
    await burstAfterStaleStatistics("fresh");
    const plans = (await claim("fresh")).join("\n");
    expect(plans).toMatch(/Index Scan using messages_due_idx/);
    expect(plans).not.toMatch(/Bitmap (Heap|Index) Scan/);
    expect(plans).not.toMatch(/Sort Key: m\.priority DESC, m\.run_at/);
    await setup.client.query(`DELETE FROM ${table}`);
  });

  it("keeps that plan on one connection call after call, once PL/pgSQL caches a generic plan (migration 8)", async () => {
    // PL/pgSQL plans a statement with the parameters' values for its first five calls on a session, then may keep a
    // generic plan: the planner settings must leave reading the index in order as the only cheap plan for both.
    await burstAfterStaleStatistics("cached");
    for (let call = 1; call <= 8; call++) {
      const plans = (await claim("cached")).join("\n");
      expect(plans, `call ${call}`).toMatch(/Index Scan using messages_due_idx/);
      expect(plans, `call ${call}`).not.toMatch(/Bitmap (Heap|Index) Scan|Seq Scan|Sort Key: m\.priority DESC, m\.run_at/);
    }
    await setup.client.query(`DELETE FROM ${table}`);
  });

  it("finds each row it claimed without walking the claim index, when a vacuum left the row count at zero (migration 9)", async () => {
    // A vacuum (or ANALYZE) that finds the table empty, as a drained queue leaves it, sets its row count to 0. The claim
    // of migration 8 then looked each locked row up again by `seq = claimable.row_seq`, and the planner took the claim
    // index for it (seq is its last column: a walk of the whole index, dead entries included, per row claimed): 187
    // walks of ~940 pages per claim, 0.3-0.6 s each, and the worker fell behind for good
    // (benchmarks/results/postgres-stall-2026-12-05.md). The only lookup of a claimed row allowed is by its row address.
    // A vacuum that may not truncate (autovacuum gives the table's end back only when no one else wants the table)
    // keeps the pages and counts no row on them: the planner then reads the table as empty however much it holds.
    await setup.client.query(`INSERT INTO ${table} (id, queue, body) SELECT 'old-' || n, 'old-' || (n % 500), ${body} FROM generate_series(1, 20000) AS n`);
    await setup.client.query(`DELETE FROM ${table}`);
    await setup.client.query(`VACUUM (TRUNCATE false) ${table}`);
    await setup.client.query(`INSERT INTO ${table} (id, queue, body, run_at) SELECT 'new-' || n, 'vacuumed-empty', ${body}, now() - interval '1 second' FROM generate_series(1, 20000) AS n`);
    const plans = (await claim("vacuumed-empty")).join("\n");
    expect(plans).toMatch(/Index Scan using messages_due_idx/);
    expect(plans).not.toMatch(/Index Cond: \(seq = |Join Filter: \(m\.seq = /);
    expect(plans).toMatch(/Tid Scan on messages m/);
    await setup.client.query(`DELETE FROM ${table}`);
  });

  it("compiles nothing (no JIT) for a claim of 100 from a large analyzed backlog", async () => {
    // The function is planned without its parameters' values: `LIMIT wanted` is costed at a tenth of the queue, which
    // for 200,000 rows crossed jit_above_cost and cost 10-18 ms of compilation per claim.
    await setup.client.query(`INSERT INTO ${table} (id, queue, body, run_at) SELECT 'big-' || n, 'backlog', ${body}, now() - interval '1 second' FROM generate_series(1, 200000) AS n`);
    await setup.client.query(`ANALYZE ${table}`);
    const plans = (await claim("backlog")).join("\n");
    expect(plans).toMatch(/Index Scan using messages_due_idx/);
    expect(plans).not.toMatch(/JIT:/);
    await setup.client.query(`DELETE FROM ${table}`);
  }, 60_000);
});

describe.skipIf(!url)("postgres: claims of the release before migration 6 beside this release's", () => {
  const shared = sharedSchema(url);

  it("take disjoint rows of one queue: every message claimed once", async () => {
    const queue = "rolling-claims";
    const jobs = 3000;
    for (let from = 0; from < jobs; from += 1000) {
      await shared.backend.enqueue(Array.from({ length: 1000 }, (_, index) => ({ id: `job-${from + index}`, queue, body: "{}" })));
    }
    const { executor, schema } = shared;
    await expectEachTakenOnceSideBySide(jobs, (release) =>
      release === "previous" ? claimBeforeMigration6(executor, schema, queue, 25, 60_000) : claimMessages(executor, schema, { queue, maxMessages: 25, leaseMs: 60_000 }),
    );
  });
});

describe.skipIf(!url)("postgres: a worker of this release on a schema not migrated to version 6", () => {
  const schema = url ? throwawaySchema(url) : "";
  it("refuses its claims with an error that names migrate()", async () => {
    // The schema as release 5 left it, and a backend told not to migrate.
    const behind = await backendBeforeMigration(url!, schema, 6);
    try {
      await expect(behind.receive({ queue: "q", maxMessages: 1, waitMs: 0, leaseMs: 30_000 })).rejects.toThrow(/not migrated to version 6.*migrate\(\)/);
    } finally {
      await behind.close();
    }
  });
});

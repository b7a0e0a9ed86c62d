// Claims that keep their rows' due time (migration 8): the lease is `locked_until` alone, so the update is HOT, and the
// leased rows stay at the front of the due index. What must hold: no claimer (this release's either way, the previous
// release's four-argument function) takes a row whose lease has not ended; a lapsed lease brings its rows back first,
// in their order; a renewal moves the row off the front; the backend keeps the due time only while few leased rows
// sit at the front, and never on a schema without migration 8.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresBackend, type PostgresBackend } from "./postgres-backend.js";
import { createPgExecutor, type SqlExecutor } from "./postgres-executor.js";
import { resolveSchema } from "./postgres-schema.js";
import { claimMessages } from "./operations/claim-messages.js";
import { ClaimFront } from "./operations/claim-front.js";
import { extendLeases } from "./operations/extend-leases.js";
import { postgresUrl, throwawaySchema, uniqueQueue } from "./test-postgres-targets.js";
import { expectEachTakenOnceSideBySide, schemaBeforeMigration } from "./test-rolling-releases.js";

const url = postgresUrl();

/** `count` messages m000, m001, … enqueued in that order. */
async function enqueueNumbered(backend: PostgresBackend, queue: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, index) => `m${String(index).padStart(3, "0")}`);
  await backend.enqueue(ids.map((id) => ({ id, queue, body: "{}" })));
  return ids;
}

describe.skipIf(!url)("postgres: claims that keep their rows' due time", () => {
  const schemaName = url ? throwawaySchema(url) : "";
  const schema = resolveSchema(schemaName || "unused");
  let backend: PostgresBackend;
  let pool: pg.Pool;
  let executor: SqlExecutor;
  const rows = (queue: string) =>
    pool.query<{ id: string; kept: boolean; leased: boolean }>(
      `SELECT id, run_at <= now() AS kept, locked_until > now() AS leased FROM ${schema.quoted}.messages WHERE queue = $1 ORDER BY seq`,
      [queue],
    );
  /** Ends the leases of `ids` in `queue` now (as if their time ran out), without waiting for them. */
  const endLeases = (queue: string, ids: readonly string[]) =>
    pool.query(`UPDATE ${schema.quoted}.messages SET locked_until = now() - interval '1 millisecond' WHERE queue = $1 AND id = ANY($2::text[])`, [queue, ids]);

  beforeAll(async () => {
    backend = await createPostgresBackend({ connectionString: url!, schema: schemaName, maxConnections: 2 });
    pool = new pg.Pool({ connectionString: url!, max: 8 });
    executor = createPgExecutor(pool, { ownsPool: false });
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await backend?.close();
  });

  it("leases without moving run_at; no claim takes a leased row; a lapsed lease brings its rows back first, in order", async () => {
    const queue = uniqueQueue();
    const ids = await enqueueNumbered(backend, queue, 60);
    const first = await claimMessages(executor, schema, { queue, maxMessages: 40, leaseMs: 60_000, keepDue: true });
    expect(first.map((message) => message.id)).toEqual(ids.slice(0, 40));
    const after = (await rows(queue)).rows;
    expect(after.slice(0, 40).every((row) => row.kept && row.leased)).toBe(true);
    expect(after.slice(40).every((row) => row.kept && !row.leased)).toBe(true);

    // Every claimer steps over the leased rows: this release's either way, and the previous release's function.
    const kept = await claimMessages(executor, schema, { queue, maxMessages: 5, leaseMs: 30_000, keepDue: true });
    const moved = await claimMessages(executor, schema, { queue, maxMessages: 5, leaseMs: 30_000 });
    const previous = await pool.query<{ id: string }>(`SELECT id FROM ${schema.quoted}.claim_messages($1, 5, 30000, false)`, [queue]);
    expect([...kept, ...moved].map((message) => message.id)).toEqual(ids.slice(40, 50));
    expect(previous.rows.map((row) => row.id).sort()).toEqual(ids.slice(50, 55));

    await endLeases(queue, ids.slice(0, 40));
    // The other claims' leases still hold; the lapsed ones come back at their place: first, in enqueue order.
    const again = await claimMessages(executor, schema, { queue, maxMessages: 45, leaseMs: 30_000, keepDue: true });
    expect(again.map((message) => message.id)).toEqual([...ids.slice(0, 40), ...ids.slice(55, 60)]);
    expect(again.slice(0, 40).every((message) => message.attempts === 2)).toBe(true);
  }, 30_000);

  it("a renewed lease moves its row's run_at to the lease's end, off the front of the due index", async () => {
    const queue = uniqueQueue();
    await enqueueNumbered(backend, queue, 40);
    const claimed = await claimMessages(executor, schema, { queue, maxMessages: 40, leaseMs: 30_000, keepDue: true });
    const renewed = await extendLeases(executor, schema, claimed.slice(0, 10).map((message) => ({ seq: message.seq, attempts: message.attempts, leaseMs: 30_000 })));
    expect(renewed.size).toBe(10);
    const after = (await rows(queue)).rows;
    expect(after.slice(0, 10).map((row) => row.kept)).toEqual(Array(10).fill(false));
    expect(after.slice(10).every((row) => row.kept && row.leased)).toBe(true);
    const { rows: [front] } = await pool.query<{ leased: string }>(`SELECT ${schema.quoted}.claim_front_leases($1, 100) AS leased`, [queue]);
    expect(Number(front!.leased)).toBe(30);
  });

  it("a receiver waiting on the queue takes the rows of a lapsed lease that kept their due time, by its poll (no NOTIFY)", async () => {
    // The next-due lookup sees only run_at ahead of now; a lease that kept the due time ends unseen by it, so the wait
    // ends at the backend's poll (pollIntervalMs) and the claim finds the rows again.
    const queue = uniqueQueue();
    const ids = await enqueueNumbered(backend, queue, 40);
    expect(await claimMessages(executor, schema, { queue, maxMessages: 40, leaseMs: 60_000, keepDue: true })).toHaveLength(40);
    const waiting = await createPostgresBackend({ connectionString: url!, schema: schemaName, maxConnections: 2, pollIntervalMs: 200 });
    try {
      let answered = false;
      const receiving = waiting.receive({ queue, maxMessages: 40, waitMs: 60_000, leaseMs: 30_000 }).finally(() => (answered = true));
      // Its claims find every row leased (over several polls), so it is waiting when the leases end.
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(answered).toBe(false);
      await endLeases(queue, ids);
      const taken = await receiving;
      expect(taken.map((message) => message.id)).toEqual(ids);
      expect(taken.every((message) => message.deliveryAttempt === 2)).toBe(true);
    } finally {
      await waiting.close();
    }
  }, 30_000);

  it("the previous release's claims beside this release's that keep the due time take each message once", async () => {
    const queue = uniqueQueue();
    await backend.enqueue(Array.from({ length: 2000 }, (_, index) => ({ id: `job-${index}`, queue, body: "{}" })));
    await expectEachTakenOnceSideBySide(2000, async (release) =>
      release === "previous"
        ? (await pool.query<{ id: string }>(`SELECT id FROM ${schema.quoted}.claim_messages($1, 40, 60000, false)`, [queue])).rows
        : claimMessages(executor, schema, { queue, maxMessages: 40, leaseMs: 60_000, keepDue: true }),
    );
  }, 60_000);

  it("keeps the due time only for claims of 32 or more, after a count, while the leased rows ahead are under 16 per row claimed", async () => {
    const queue = uniqueQueue();
    await enqueueNumbered(backend, queue, 900);
    const front = new ClaimFront(executor, schema, queue);
    expect(front.keepDue(31)).toBe(false);
    await front.counted();
    expect(front.keepDue(31)).toBe(false); // small claims never count nor keep
    expect(front.keepDue(32)).toBe(false); // no count yet: this one starts it
    await front.counted();
    expect(front.keepDue(32)).toBe(true);
    // 600 rows leased at the front: over 16 × 32, under 16 × 100.
    await claimMessages(executor, schema, { queue, maxMessages: 600, leaseMs: 60_000, keepDue: true });
    for (let claim = 0; claim < 16; claim++) front.keepDue(100);
    await front.counted();
    expect(front.keepDue(32)).toBe(false);
    expect(front.keepDue(100)).toBe(true);
  });

  it("does not let a count made for a small claim settle a larger one", async () => {
    const queue = uniqueQueue();
    await enqueueNumbered(backend, queue, 900);
    // 700 leased rows: a count made for a claim of 32 reads 544 rows, all leased, and cannot tell 700 from 544.
    await claimMessages(executor, schema, { queue, maxMessages: 700, leaseMs: 60_000, keepDue: true });
    const front = new ClaimFront(executor, schema, queue);
    front.keepDue(32);
    await front.counted();
    expect(front.keepDue(32)).toBe(false);
    expect(front.keepDue(40)).toBe(false); // 16 × 40 = 640 < 700, but the count read only 544: not settled, counts again
    await front.counted();
    expect(front.keepDue(40)).toBe(false); // 700 leased ≥ 640
    expect(front.keepDue(50)).toBe(false); // needs 850 rows read: counts again
    await front.counted();
    expect(front.keepDue(50)).toBe(true); // 700 < 800
  });

  it("the backend's claims keep the due time once a count found few leased rows", async () => {
    const queue = uniqueQueue();
    await backend.enqueue(Array.from({ length: 2000 }, (_, index) => ({ id: `k${index}`, queue, body: "{}" })));
    const first = await backend.receive({ queue, maxMessages: 50, waitMs: 0, leaseMs: 60_000 });
    expect(first).toHaveLength(50);
    expect((await rows(queue)).rows.slice(0, 50).every((row) => !row.kept)).toBe(true); // before any count: moved
    // The count went out beside the first claim; claims after its answer (of the 39 left) keep the due time.
    for (let attempt = 0; attempt < 100; attempt++) {
      const next = await backend.receive({ queue, maxMessages: 50, waitMs: 0, leaseMs: 60_000 });
      if (next.length === 0) break;
    }
    const after = (await rows(queue)).rows;
    expect(after.every((row) => row.leased)).toBe(true);
    expect(after.filter((row) => row.kept).length).toBeGreaterThan(0);
  });
});

describe.skipIf(!url)("postgres: a worker of this release on a schema not migrated to version 8", () => {
  const schemaName = url ? throwawaySchema(url) : "";
  it("claims as before, moving run_at, and its front counts fail quietly", async () => {
    await (await createPostgresBackend({ connectionString: url!, schema: schemaName, maxConnections: 2 })).close();
    await schemaBeforeMigration(url!, schemaName, 8);
    const behind = await createPostgresBackend({ connectionString: url!, schema: schemaName, maxConnections: 2, migrate: false });
    const pool = new pg.Pool({ connectionString: url!, max: 1 });
    try {
      const queue = uniqueQueue();
      await behind.enqueue(Array.from({ length: 300 }, (_, index) => ({ id: `m${index}`, queue, body: "{}" })));
      let received = 0;
      for (let attempt = 0; attempt < 20 && received < 300; attempt++) received += (await behind.receive({ queue, maxMessages: 50, waitMs: 0, leaseMs: 60_000 })).length;
      expect(received).toBe(300);
      const { rows } = await pool.query<{ kept: string }>(`SELECT count(*) FILTER (WHERE run_at <= now()) AS kept FROM "${schemaName}".messages WHERE queue = $1`, [queue]);
      expect(Number(rows[0]!.kept)).toBe(0);
    } finally {
      await pool.end();
      await behind.close();
    }
  });
});

describe.skipIf(!url)("postgres: a role granted EXECUTE on the previous release's claim only", () => {
  const schemaName = url ? throwawaySchema(url) : "";
  it("claims with it: migration 8 leaves the four-argument claim standing alone, and this release falls back to it", async () => {
    await (await createPostgresBackend({ connectionString: url!, schema: schemaName, maxConnections: 2 })).close();
    const role = `hopper_claimonly_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: url! });
    await admin.connect();
    const limitedUrl = new URL(url!);
    limitedUrl.username = role;
    limitedUrl.password = "claimonly";
    let limited: PostgresBackend | undefined;
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'claimonly'`);
      await admin.query(`GRANT USAGE ON SCHEMA "${schemaName}" TO ${role}`);
      await admin.query(`GRANT SELECT, UPDATE ON "${schemaName}".messages TO ${role}`);
      // Default privileges that revoke PUBLIC's EXECUTE: the new claim is not granted; the count is (the stricter case:
      // the count answers, so the backend asks for the claim it may not call).
      await admin.query(`REVOKE EXECUTE ON FUNCTION "${schemaName}".claim_messages(text, integer, double precision, boolean, boolean) FROM PUBLIC`);
      const queue = uniqueQueue();
      await admin.query(`INSERT INTO "${schemaName}".messages (id, queue, body) SELECT 'r' || n, $1, '{}' FROM generate_series(1, 400) AS n`, [queue]);
      limited = await createPostgresBackend({ connectionString: limitedUrl.toString(), schema: schemaName, maxConnections: 2, migrate: false });
      const received: string[] = [];
      for (let attempt = 0; attempt < 40 && received.length < 400; attempt++) {
        received.push(...(await limited.receive({ queue, maxMessages: 40, waitMs: 0, leaseMs: 60_000 })).map((message) => message.id));
      }
      expect(received).toHaveLength(400);
      expect(new Set(received).size).toBe(400);
      const { rows } = await admin.query<{ kept: string }>(`SELECT count(*) FILTER (WHERE run_at <= now()) AS kept FROM "${schemaName}".messages WHERE queue = $1`, [queue]);
      expect(Number(rows[0]!.kept)).toBe(0);
    } finally {
      await limited?.close();
      await admin.query(`DROP OWNED BY ${role}`);
      await admin.query(`DROP ROLE ${role}`);
      await admin.end();
    }
  });
});

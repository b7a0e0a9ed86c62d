import { createConsoleLogger, createHopper, Job, type JobContext } from "@hopper/core";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresBackend } from "./postgres-backend.js";
import { createPostgresRecordStore } from "./postgres-record-store.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

/** The table's write counters (pg_stat_user_tables), read once the server has them for `inserts` inserts (they land up to a second late). */
async function recordTableWrites(pool: pg.Pool, schema: string, inserts: number): Promise<{ inserted: number; updated: number }> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { rows } = await pool.query<{ inserted: string; updated: string }>(
      "SELECT n_tup_ins AS inserted, n_tup_upd AS updated FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'job_records'",
      [schema],
    );
    const counts = { inserted: Number(rows[0]?.inserted ?? 0), updated: Number(rows[0]?.updated ?? 0) };
    if (counts.inserted >= inserts || Date.now() > deadline) return counts;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.skipIf(!url)("postgres: a job's record writes", () => {
  const schema = url ? throwawaySchema(url) : "";
  it("writes one job_records row per job, at its end: the enqueue keeps the record in the message row and the claim starts it there", { timeout: 60_000 }, async () => {
    const jobs = 20;
    let performed = 0;
    let allPerformed = () => {};
    const seenRunning: string[] = [];
    class CountedJob extends Job<{ n: number }> {
      static override jobName = "CountedJob";
      static override queue = "record-writes";
      async perform(_args: { n: number }, context: JobContext): Promise<string> {
        const first = performed === 0;
        performed += 1;
        if (first) seenRunning.push((await hopper.jobs.get(context.jobId))?.state ?? "none");
        if (performed === jobs) allPerformed();
        return "done";
      }
    }
    const pool = new pg.Pool({ connectionString: url!, max: 1 });
    const hopper = createHopper({ backend: await createPostgresBackend({ connectionString: url!, schema, maxConnections: 3 }), jobs: [CountedJob], logger: createConsoleLogger("silent"), records: {} });
    try {
      const done = new Promise<void>((resolve) => (allPerformed = resolve));
      const ids = await Promise.all(Array.from({ length: jobs }, (_, n) => CountedJob.performLater({ n })));
      // Waiting jobs: their records are read from their message rows; job_records has none.
      expect(await hopper.jobs.get(ids[0]!)).toMatchObject({ state: "waiting", attempt: 0 });
      const { rows } = await pool.query<{ count: string }>(`SELECT count(*) FROM "${schema}".job_records`);
      expect(Number(rows[0]!.count)).toBe(0);
      const worker = hopper.worker({ queues: ["record-writes"], concurrency: 5, handleSignals: false });
      const running = worker.run();
      await done;
      await worker.stop();
      await running;
      expect(seenRunning).toEqual(["running"]);
      // One insert per job, by its ack (succeeded); the claim's start wrote the message row only.
      const writes = await recordTableWrites(pool, schema, jobs);
      expect(writes).toEqual({ inserted: jobs, updated: 0 });
      expect(await hopper.jobs.get(ids[0]!)).toMatchObject({ state: "succeeded", attempt: 1, result: "done" });
    } finally {
      await hopper.close();
      await pool.end();
    }
  });

  it("keeps the record of a message enqueued with a dedupe key in its row, and none for its duplicate", { timeout: 60_000 }, async () => {
    const backend = await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2 });
    try {
      const record = (id: string) => ({ id, job: "SendEmail", queue: "dedupe-records", enqueuedAt: 1, runAt: null, ttlMs: Number.MAX_SAFE_INTEGER, args: `{"args":"${id}"}` });
      const results = await backend.enqueue([
        { id: "first", queue: "dedupe-records", body: "x", dedupeKey: "k", record: record("first") },
        { id: "second", queue: "dedupe-records", body: "y", dedupeKey: "k", record: record("second") },
        { id: "plain", queue: "dedupe-records", body: "z", dedupeKey: "other", record: record("plain") },
      ]);
      expect(results.map((result) => result.status)).toEqual(["enqueued", "duplicate", "enqueued"]);
      const store = backend.recordStore!();
      expect(await store.get("first")).toMatchObject({ state: "waiting", args: '{"args":"first"}' });
      expect(await store.get("plain")).toMatchObject({ state: "waiting", args: '{"args":"plain"}' });
      expect(await store.get("second")).toBeUndefined();
    } finally {
      await backend.close();
    }
  });

  // The review of the hung record (2026-12-07): the write read the message row unlocked, so one from a run given up,
  // racing the next attempt's claim, made a live job_records row of the old attempt, which then spoke for the new run.
  it("a hung write for an attempt that a claim under way replaces waits for that claim and changes nothing", { timeout: 60_000 }, async () => {
    const backend = await createPostgresBackend({ connectionString: url!, schema, maxConnections: 3 });
    const claimer = new pg.Client({ connectionString: url! });
    await claimer.connect();
    try {
      const queue = "hung-race";
      await backend.enqueue([{ id: "raced", queue, body: "x", record: { id: "raced", job: "Stuck", queue, enqueuedAt: 1, runAt: null, ttlMs: Number.MAX_SAFE_INTEGER } }]);
      const [first] = await backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 30_000, records: { ttlMs: Number.MAX_SAFE_INTEGER } });
      expect(first?.id).toBe("raced");
      const store = backend.recordStore!();
      expect(await store.get("raced")).toMatchObject({ state: "running", attempt: 1 });
      // The next attempt's claim, under way: the row locked and changed as a claim leaves it, not yet committed.
      await claimer.query("BEGIN");
      await claimer.query(`UPDATE "${schema}".messages SET attempts = attempts + 1, record_started_at = 99 WHERE id = 'raced'`);
      const error = JSON.stringify({ name: "JobTimeoutError", message: "past its timeout", hungAttempt: 1 });
      const written = store.hung!({ id: "raced", job: "Stuck", queue, attempt: 1, error });
      const early = await Promise.race([written.then(() => "answered"), new Promise((resolve) => setTimeout(resolve, 300, "waiting"))]);
      await claimer.query("COMMIT");
      expect(early).toBe("waiting");
      expect(await written).toBe(false);
      // No job_records row of attempt 1 speaks for the new run.
      expect(await store.get("raced")).toMatchObject({ state: "running", attempt: 2, error: null, startedAt: 99 });
    } finally {
      await claimer.end();
      await backend.close();
    }
  });

  it("keeps a scheduled job's record waiting while takeScheduled leases it to move it away", { timeout: 60_000 }, async () => {
    const backend = await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2 });
    try {
      const queue = "taken-records";
      await backend.enqueue([{ id: "later", queue, body: "x", delayMs: 60_000, record: { id: "later", job: "SendEmail", queue, enqueuedAt: 1, runAt: 2, ttlMs: Number.MAX_SAFE_INTEGER } }]);
      const taken = await backend.takeScheduled!({ queue, maxMessages: 10, leaseMs: 30_000 });
      expect(taken.map((message) => message.id)).toEqual(["later"]);
      expect(await backend.recordStore!().get("later")).toMatchObject({ state: "waiting", runAt: 2, startedAt: null });
    } finally {
      await backend.close();
    }
  });

  it("notifies record changes only while a subscriber listens", { timeout: 60_000 }, async () => {
    const writer = await createPostgresRecordStore({ connectionString: url!, schema, maxConnections: 2 });
    const reader = await createPostgresRecordStore({ connectionString: url!, schema, maxConnections: 2 });
    // A session listening on the channel without subscribing: it sees every notification the writes send.
    const raw = new pg.Client({ connectionString: url! });
    await raw.connect();
    const heard: string[] = [];
    raw.on("notification", (message) => heard.push(JSON.parse(message.payload ?? "{}").id));
    await raw.query(`LISTEN "hopper_${schema}_records"`);
    const record = (id: string) => ({ id, job: "SendEmail", queue: "mailers", enqueuedAt: 1, runAt: null, ttlMs: 60_000 });
    const settle = async (id: string) => {
      await writer.insert([record(id)]);
      await writer.settle({ id, job: "SendEmail", queue: "mailers", enqueuedAt: 1, ttlMs: 60_000, state: "succeeded", attempt: 1, finishedAt: 2 });
      // A later write's notification comes after this one's: the raw session's round trip lets it arrive.
      await raw.query("SELECT 1");
    };
    try {
      await settle("unheard");
      const events: string[] = [];
      const stop = await reader.subscribe!((event) => events.push(`${event.id} ${event.state}`));
      await settle("heard");
      await expect.poll(() => events, { timeout: 5000 }).toEqual(["heard waiting", "heard succeeded"]);
      await stop();
      await settle("unheard again");
      expect(heard).toEqual(["heard", "heard"]);
    } finally {
      await raw.end();
      await Promise.all([writer.close(), reader.close()]);
    }
  });
});

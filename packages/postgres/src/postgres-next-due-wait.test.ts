// A receive with nothing to claim looks up when the queue's next message falls due (a delay or a lease ending) to
// bound its wait. That lookup can be slow: once `messages` has bloated it seq-scans it, 160–382 ms a lookup
// (benchmarks/results/latency-2026-12-04f/README.md), and a job enqueued meanwhile waited for it, ~100 ms late on
// average at low rates. The wait for a NOTIFY must not hang on the lookup: here the lookup is held until the test lets
// it go, and the receive must take the job enqueued meanwhile before that.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresBackend, type PostgresBackend } from "./postgres-backend.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

/** A pool whose next-due lookups wait for `release()`; `lookups` counts those asked for. */
class NextDueGatedPool extends pg.Pool {
  lookups = 0;
  #open!: () => void;
  readonly #gate = new Promise<void>((resolve) => (this.#open = resolve));
  release(): void {
    this.#open();
  }
  override query(...args: any[]): any {
    const text: unknown = typeof args[0] === "string" ? args[0] : args[0]?.text;
    if (typeof text === "string" && text.includes(".next_due_in_ms(")) {
      this.lookups += 1;
      return this.#gate.then(() => (super.query as any)(...args));
    }
    return (super.query as any)(...args);
  }
}

describe.skipIf(!url)("postgres: a receive's wait and its next-due lookup", () => {
  const schema = url ? throwawaySchema(url) : "";
  let pool: NextDueGatedPool;
  let backend: PostgresBackend;
  beforeAll(async () => {
    pool = new NextDueGatedPool({ connectionString: url!, max: 4 });
    backend = await createPostgresBackend({ pool, schema });
  }, 60_000);
  afterAll(async () => {
    pool?.release();
    await backend?.close();
    await pool?.end();
  });

  it("takes a job enqueued while the lookup is still running, without waiting for the lookup", { timeout: 30_000 }, async () => {
    const queue = "next-due-wait";
    let lookupReleased = false;
    const receiving = backend.receive({ queue, maxMessages: 1, waitMs: 20_000, leaseMs: 30_000 }).then((messages) => ({ messages, lookupReleased }));
    // The claim found nothing and the lookup has begun: it is held.
    while (pool.lookups === 0) await new Promise((resolve) => setImmediate(resolve));
    await backend.enqueue([{ id: "job-1", queue, body: "{}" }]);
    // Let the lookup go only if the receive has not answered by a bound far above a NOTIFY's round trip.
    const released = new Promise<void>((resolve) =>
      setTimeout(() => {
        lookupReleased = true;
        pool.release();
        resolve();
      }, 10_000).unref(),
    );
    const { messages, lookupReleased: afterRelease } = await Promise.race([receiving, released.then(() => receiving)]);
    expect(messages.map((message) => message.id)).toEqual(["job-1"]);
    expect(afterRelease).toBe(false);
    await messages[0]!.ack();
  });
});

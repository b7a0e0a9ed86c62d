import { createHopper, Job } from "@hopper/core";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresBackend } from "./postgres-backend.js";
import { createPostgresCoordinationStore } from "./postgres-coordination-store.js";
import { postgresUrl, silentLogger, throwawaySchema, uniqueQueue } from "./test-postgres-targets.js";

const url = postgresUrl();

/**
 * A pg pool that runs `after` once, right after the first statement whose text
 * includes `marker` returns (on the pool or on a client checked out of it):
 * another process's commit landing between two of our statements, on a real server.
 */
function poolWithInterleaving(connectionString: string) {
  const pool = new pg.Pool({ connectionString, max: 3 });
  pool.on("error", () => {});
  let armed: { marker: string; after: () => Promise<void> } | undefined;
  // Promise calls only: pg's pool runs its own queries on a client with a callback, which pass through.
  const intercept = (query: (...args: unknown[]) => unknown) =>
    (...args: unknown[]): unknown => {
      if (typeof args.at(-1) === "function") return query(...args);
      return (async () => {
        const result = await query(...args);
        const text = typeof args[0] === "string" ? args[0] : ((args[0] as { text?: string }).text ?? "");
        const hook = armed;
        if (hook && text.includes(hook.marker)) {
          armed = undefined;
          await hook.after();
        }
        return result;
      })();
    };
  pool.query = intercept(pool.query.bind(pool) as never) as never;
  pool.on("connect", (client) => {
    client.query = intercept(client.query.bind(client) as never) as never;
  });
  return { pool, interleave: (marker: string, after: () => Promise<void>) => void (armed = { marker, after }) };
}

// Found by the reliability crash run on PostgreSQL: ids the producer was given for a second
// enqueue of a dedupe or unique key never ran. The key's holder finished (acked, released)
// between the statement that found the key taken and the one that read who holds it: the
// enqueue then answered with the new message's id, a message that was never stored.
describe.skipIf(!url)("an enqueue that finds its key taken, whose holder finishes before it looks the holder up", () => {
  const schema = throwawaySchema(url!);
  const pools: pg.Pool[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
  });

  it("backend dedupe key: answers with a message that is stored, or names the holder", { timeout: 60_000 }, async () => {
    const { pool, interleave } = poolWithInterleaving(url!);
    pools.push(pool);
    const backend = await createPostgresBackend({ pool, schema });
    const worker = await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2 });
    try {
      const queue = uniqueQueue();
      const first = await backend.enqueue([{ id: "first", queue, body: "{}", dedupeKey: "k" }]);
      expect(first).toEqual([{ status: "enqueued", id: "first" }]);
      // A worker runs and acks the holder right after the second INSERT found the key taken.
      interleave("ON CONFLICT (queue, dedupe_key)", async () => {
        const [message] = await worker.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 30_000 });
        expect(message?.id).toBe("first");
        await message!.ack();
      });
      const [second] = await backend.enqueue([{ id: "second", queue, body: "{}", dedupeKey: "k" }]);
      const stored = (await pool.query<{ id: string }>(`SELECT id FROM "${schema}".messages WHERE queue = $1`, [queue])).rows.map((row) => row.id);
      // Either the key was free by then and "second" is stored, or the answer names the job that held it.
      if (second!.status === "enqueued") expect(stored).toEqual(["second"]);
      else expect(second).toMatchObject({ status: "duplicate", existingId: "first" });
    } finally {
      await worker.close();
      await backend.close();
    }
  });

  it("coordination store: a refused acquire names a holder", { timeout: 60_000 }, async () => {
    const { pool, interleave } = poolWithInterleaving(url!);
    pools.push(pool);
    const store = await createPostgresCoordinationStore({ pool, schema });
    try {
      expect((await store.acquire("unique:k", "first", { limit: 1, ttlMs: 60_000 })).acquired).toBe(true);
      // The holder's job finishes and frees the key while the second acquire is deciding.
      interleave("INSERT INTO", () => store.release("unique:k", "first"));
      const second = await store.acquire("unique:k", "second", { limit: 1, ttlMs: 60_000 });
      if (!second.acquired) expect(second.holders).toEqual(["first"]);
    } finally {
      await store.close();
    }
  });

  it("unique job: the id an enqueue resolves with is a job that was stored", { timeout: 60_000 }, async () => {
    const { pool, interleave } = poolWithInterleaving(url!);
    pools.push(pool);
    const queue = uniqueQueue();
    class Report extends Job<{ key: string }> {
      static override queue = queue;
      static override unique = { key: (args: { key: string }) => args.key, until: "finished" as const, ttl: "10m" };
      async perform() {}
    }
    const backend = await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2 });
    const coordination = await createPostgresCoordinationStore({ pool, schema });
    const hopper = createHopper({ backend, coordination, jobs: [Report], logger: silentLogger });
    try {
      const first = await Report.performLater({ key: "r" });
      // The first job ran and freed its key (the worker's releaseUnique) while the second enqueue reserved it.
      interleave("INSERT INTO", () => coordination.release(`unique:Report:r`, first));
      const second = await Report.performLater({ key: "r" });
      const stored = (await pool.query<{ id: string }>(`SELECT id FROM "${schema}".messages WHERE queue = $1`, [queue])).rows.map((row) => row.id);
      expect(stored).toContain(second);
    } finally {
      await hopper.close();
      await coordination.close();
      await backend.close();
    }
  });
});

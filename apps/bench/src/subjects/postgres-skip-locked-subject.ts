import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { decodeJob, encodeJob, type BenchSubject } from "./bench-subject.js";
import { startClaimLoop } from "./claim-loop.js";

/** How often an idle consumer polls; this baseline has no LISTEN/NOTIFY. */
const pollMs = 5;
const leaseSeconds = 30;
const poolSize = 10;

const schema = `
CREATE TABLE IF NOT EXISTS bench_raw_jobs (
  id bigserial PRIMARY KEY,
  queue text NOT NULL,
  payload text NOT NULL,
  locked_until timestamptz NOT NULL DEFAULT '-infinity'
);
CREATE INDEX IF NOT EXISTS bench_raw_jobs_queue_id ON bench_raw_jobs (queue, id);`;

/**
 * The least PostgreSQL needs for at-least-once: INSERT; claim with
 * WITH (SELECT … FOR UPDATE SKIP LOCKED) UPDATE … FROM it, setting a lease;
 * DELETE after the job ran, batched per tick. Idle consumers poll every few ms.
 */
export async function createPostgresSkipLockedSubject(connectionString: string): Promise<BenchSubject> {
  const pool = new pg.Pool({ connectionString, max: poolSize });
  await pool.query(schema);
  const queues = new Set<string>();
  let pendingAcks: string[] = [];
  let flushing: Promise<void> | undefined;
  const flushAcks = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    const ids = pendingAcks;
    pendingAcks = [];
    flushing = undefined;
    await pool.query("DELETE FROM bench_raw_jobs WHERE id = ANY($1::bigint[])", [ids]);
  };
  const ack = (id: string): Promise<void> => {
    pendingAcks.push(id);
    flushing ??= flushAcks();
    return flushing;
  };

  return {
    maxPayloadBytes: 100 * 1024 * 1024,
    supportsDelay: false,
    async prepare(queue) {
      queues.add(queue);
    },
    async enqueueOne(queue, job) {
      await pool.query("INSERT INTO bench_raw_jobs (queue, payload) VALUES ($1, $2)", [queue, encodeJob(job)]);
    },
    async enqueueMany(queue, jobs) {
      await pool.query("INSERT INTO bench_raw_jobs (queue, payload) SELECT $1, unnest($2::text[])", [queue, jobs.map(encodeJob)]);
    },
    async consume(queue, concurrency, handler) {
      return startClaimLoop<{ id: string; payload: string }>({
        concurrency,
        loops: 1,
        maxClaim: concurrency,
        async claim(max, signal) {
          // The selection is a materialized WITH query, run once: as `WHERE id IN (SELECT … LIMIT …)` a nested-loop
          // plan re-ran it for every row of the table and one claim took them all (results/latency-2026-12-04e).
          const { rows } = await pool.query<{ id: string; payload: string }>(
            `WITH claimable AS MATERIALIZED (
               SELECT id FROM bench_raw_jobs WHERE queue = $1 AND locked_until < now() ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
             )
             UPDATE bench_raw_jobs j SET locked_until = now() + make_interval(secs => $3)
             FROM claimable WHERE j.id = claimable.id
             RETURNING j.id, j.payload`,
            [queue, max, leaseSeconds],
          );
          if (rows.length === 0) await sleep(pollMs, undefined, { signal }).catch(() => {});
          return rows;
        },
        run: async (row) => handler(decodeJob(row.payload)),
        ack: (row) => ack(row.id),
      });
    },
    shape: (concurrency) => ({ concurrency, prefetch: concurrency, ackOverlapsReceive: true, settings: { claim: "SKIP LOCKED, LIMIT free slots", pollMs, leaseSeconds, poolSize } }),
    async close() {
      await flushing;
      if (queues.size > 0) await pool.query("DELETE FROM bench_raw_jobs WHERE queue = ANY($1::text[])", [[...queues]]);
      await pool.end();
    },
  };
}

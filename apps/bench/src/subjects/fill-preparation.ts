import type { BackendName } from "../bench-options.js";
import type { SubjectSpec } from "../report/result-types.js";
import type { BenchSubject } from "./bench-subject.js";

/**
 * What the bench does to the server between filling a queue and timing its drain, per backend:
 * the same for every subject of that backend, never chosen by a subject.
 *
 * PostgreSQL: `ANALYZE` of the whole database. Each drain point fills a queue the server has never
 * seen, and a planner whose statistics predate it can pick a plan no long-running deployment gets
 * (pg-boss 12's fetch joined its whole queue against each batch: 2.7 s per fetch of 500 instead of
 * 22 ms, benchmarks/results/pg-boss-fairness-2026-12-04.md). Statistics current after the fill are
 * what a deployment has once autovacuum has seen its queues.
 *
 * The `ANALYZE` cancels any autovacuum of the tables it waits for, so dead rows pile up across runs on one server
 * (1.15 M per subject's table after three): compare on a fresh server per run. `VACUUM` and `CHECKPOINT` before each
 * fill were tried instead and not kept: they sped Hopper's drain and slowed graphile-worker's in every pair
 * (benchmarks/results/fill-vacuum-2026-12-04/README.md).
 */
export type FillPreparation = "analyze" | "none";

export function fillPreparation(backend: BackendName): FillPreparation {
  return backend === "postgres" ? "analyze" : "none";
}

/** `ANALYZE` of every table in the database `connectionString` names. */
export async function analyzeDatabase(connectionString: string): Promise<void> {
  // Loaded here, not at the top: every child imports this file, and a child holds only its own library.
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query("ANALYZE");
  } finally {
    await client.end();
  }
}

/** `subject` with its backend's fill preparation as `afterFill`. */
export function withFillPreparation(subject: BenchSubject, spec: Pick<SubjectSpec, "backend" | "connection">): BenchSubject {
  if (fillPreparation(spec.backend) === "none") return subject;
  return { ...subject, afterFill: () => analyzeDatabase(spec.connection) };
}

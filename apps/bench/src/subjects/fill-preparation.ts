import type { BackendName } from "../bench-options.js";
import type { SubjectSpec } from "../report/result-types.js";
import type { BenchSubject } from "./bench-subject.js";

/**
 * What the bench does to the server around each fill, per backend: the same for every subject of that
 * backend, never chosen by a subject, and never inside a timed region.
 *
 * PostgreSQL, before each fill: `VACUUM` then `CHECKPOINT` of the whole database. Each sample then starts
 * from the state a deployment with autovacuum is in when a burst arrives: the rows earlier drains left
 * dead are gone, and no dirty page of an earlier sample is written back inside this one. Without it, the
 * `ANALYZE` below made PostgreSQL cancel every autovacuum, and each subject drained a table bloated by every
 * run before it (1.15 M dead rows after three runs: benchmarks/results/goals-2026-12-04g/README.md).
 *
 * PostgreSQL, after each fill: `ANALYZE` of the whole database. Each drain point fills a queue the server
 * has never seen, and a planner whose statistics predate it can pick a plan no long-running deployment gets
 * (pg-boss 12's fetch joined its whole queue against each batch: 2.7 s per fetch of 500 instead of
 * 22 ms, benchmarks/results/pg-boss-fairness-2026-12-04.md). Statistics current after the fill are
 * what a deployment has once autovacuum has seen its queues. (A `VACUUM ANALYZE` here instead slowed
 * every subject's drain after it: benchmarks/results/goals-2026-12-04h/README.md.)
 */
export interface FillPreparation {
  readonly beforeFill: readonly string[];
  readonly afterFill: readonly string[];
}

const postgresPreparation: FillPreparation = { beforeFill: ["VACUUM", "CHECKPOINT"], afterFill: ["ANALYZE"] };

export function fillPreparation(backend: BackendName): FillPreparation | undefined {
  return backend === "postgres" ? postgresPreparation : undefined;
}

/** Runs `statements` in order on one connection to the database `connectionString` names. */
export async function runOnDatabase(connectionString: string, statements: readonly string[]): Promise<void> {
  // Loaded here, not at the top: every child imports this file, and a child holds only its own library.
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } catch (error) {
    // CHECKPOINT needs a superuser or pg_checkpoint (PostgreSQL 15+): say what to grant rather than measure otherwise.
    if ((error as { code?: string }).code === "42501") {
      throw new Error(`the bench's fill preparation (${statements.join(", ")}) needs a role allowed to run it: connect as a superuser or GRANT pg_checkpoint to the bench's role (${(error as Error).message})`);
    }
    throw error;
  } finally {
    await client.end();
  }
}

/** `subject` with its backend's fill preparation as `beforeFill` and `afterFill`. */
export function withFillPreparation(subject: BenchSubject, spec: Pick<SubjectSpec, "backend" | "connection">): BenchSubject {
  const preparation = fillPreparation(spec.backend);
  if (preparation === undefined) return subject;
  return {
    ...subject,
    beforeFill: () => runOnDatabase(spec.connection, preparation.beforeFill),
    afterFill: () => runOnDatabase(spec.connection, preparation.afterFill),
  };
}

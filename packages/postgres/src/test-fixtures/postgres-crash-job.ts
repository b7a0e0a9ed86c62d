import { Job, type JobContext } from "@hopper/core";
import pg from "pg";

/** Where completions are recorded; the schema is a validated test schema name. */
export interface CrashJobArgs {
  readonly schema: string;
}

let pool: pg.Pool | undefined;

/**
 * Works for CRASH_JOB_WORK_MS, then records its id and this process's pid. */
export class CrashJob extends Job<CrashJobArgs> {
  static override queue = "crash";

  async perform({ schema }: CrashJobArgs, context: JobContext) {
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.CRASH_JOB_WORK_MS ?? 0)));
    pool ??= new pg.Pool({ connectionString: process.env.HOPPER_TEST_POSTGRES_URL, max: 2 });
    await pool.query(`INSERT INTO "${schema}".crash_completions (job_id, pid) VALUES ($1, $2)`, [context.jobId, process.pid]);
  }
}

export async function closeCrashJobPool(): Promise<void> {
  await pool?.end();
  pool = undefined;
}

import type { Logger } from "../logger.js";
import type { HungRun } from "./run-deadline.js";

/** The exit code of a worker process that gave up on a hung job (`exitOnHungJob`); EX_SOFTWARE in sysexits.h. */
export const HUNG_JOB_EXIT_CODE = 70;

// When the shutdown itself hangs (a backend that does not answer), exit anyway this long after its bound.
const shutdownGraceMs = 5000;
// Of that grace, what the middleware's beforeExit is kept, however long the stop takes (its hand-backs wait on the backend).
const beforeExitMs = 2000;

export interface HungJobExitOptions {
  readonly logger: Logger;
  /** The worker's graceful stop: running jobs get its bound, then are handed back. */
  readonly stop: () => Promise<void>;
  readonly shutdownTimeoutMs: number;
  readonly exit?: (code: number) => void;
  /** Settles once the hung job's record says so: awaited (within the same bound) before the exit. */
  readonly reported?: Promise<void>;
  /** Runs once the graceful stop is over (the middleware's `beforeExit`: spans written out), within the same bound. */
  readonly beforeExit?: () => Promise<void>;
}

/**
 * Ends a worker process whose job ignores its timeout past `exitOnHungJob`, so that
 * its platform restarts it: the other running jobs get the usual graceful stop; the
 * hung job is neither acked nor handed back (its lease is renewed until the process
 * ends, so no second copy starts beside it), and another worker runs it once that lease ends.
 */
export async function exitForHungJob(run: HungRun, options: HungJobExitOptions): Promise<void> {
  options.logger.error(`job ${run.job} (${run.jobId}) is ${run.overrunMs} ms past its timeout of ${run.timeoutMs} ms and ignores its signal: exiting the process with code ${HUNG_JOB_EXIT_CODE} (exitOnHungJob) so its platform restarts it; the job is not acked and runs again elsewhere once its lease ends`, { ...run });
  let bound: NodeJS.Timeout | undefined;
  let stopBound: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all([
      Promise.race([
        options.stop().catch((error: unknown) => options.logger.error("graceful stop before exiting for a hung job failed", { error })),
        new Promise((resolve) => (stopBound = setTimeout(resolve, options.shutdownTimeoutMs + shutdownGraceMs - beforeExitMs))),
      ]).then(options.beforeExit),
      options.reported,
    ]).catch((error: unknown) => options.logger.error("writing out before exiting for a hung job failed", { error })),
    new Promise((resolve) => (bound = setTimeout(resolve, options.shutdownTimeoutMs + shutdownGraceMs))),
  ]);
  clearTimeout(bound);
  clearTimeout(stopBound);
  (options.exit ?? process.exit)(HUNG_JOB_EXIT_CODE);
}

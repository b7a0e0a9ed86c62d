import type { Logger } from "../logger.js";
import { runBeforeExit, type Middleware } from "../middleware.js";
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

/** A Hopper's middleware as an exit sees it: the layers and the logger their failures go to. */
export interface ExitParticipant {
  readonly middleware: readonly Middleware[];
  readonly logger: Logger;
}

// The middleware of this process's running workers and pushed runs: an exit for any hung job ends the process for
// all of them, so each one's spans must be ended and written out, not only those of the Hopper whose job hung.
const participants = new Set<ExitParticipant>();

/** Counts `participant` among those an exit for a hung job runs `beforeExit` for, until the returned function is called. */
export function takePartInExits(participant: ExitParticipant): () => void {
  const entry = { middleware: participant.middleware, logger: participant.logger };
  participants.add(entry);
  return () => participants.delete(entry);
}

/** Every participant's `beforeExit`, `own` among them, each layer once however many Hoppers share it. */
export async function runEveryBeforeExit(own: ExitParticipant): Promise<void> {
  const seen = new Set<Middleware>();
  const unseen = (layer: Middleware) => !seen.has(layer) && seen.add(layer) !== undefined;
  await Promise.all([own, ...participants].map(({ middleware, logger }) => runBeforeExit(middleware.filter(unseen), logger)));
}

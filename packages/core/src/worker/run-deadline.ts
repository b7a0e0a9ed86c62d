import { JobTimeoutError } from "../errors/job-timeout-error.js";
import type { Logger } from "../logger.js";

/** What the worker does when a run is far past its timeout (`exitOnHungJob`). */
export interface HungJobBound {
  /** How long past its timeout a run may go on before `onHung`. */
  readonly afterMs: number;
  /** `reported`: settles once the run's record says it is hung (`RunDeadlineOptions.ignored`), which an exit awaits. */
  onHung(details: HungRun, reported: Promise<void>): void;
}

export interface HungRun {
  readonly job: string;
  readonly jobId: string;
  readonly timeoutMs: number;
  readonly overrunMs: number;
}

export interface RunDeadlineOptions {
  readonly job: string;
  readonly jobId: string;
  readonly timeoutMs: number;
  /** Aborts the run's signal. */
  readonly abort: (reason: JobTimeoutError) => void;
  readonly logger: Logger;
  readonly hungBound?: HungJobBound;
  /**
   * The run ignores its aborted signal: called once, when that is first logged (a second after the timeout) or when
   * `hungBound` passes, whichever is first (the job's record says it is hung). Never rejects.
   */
  readonly ignored?: (details: HungRun) => Promise<void>;
}

export interface RunDeadline {
  /** The timeout error once the deadline has passed, else undefined. */
  readonly error: JobTimeoutError | undefined;
  /** Perform has returned or thrown: stops the timers. */
  finish(): void;
}

// A run still going this long after its signal aborted is reported as ignoring it; then at doubling intervals, up to hourly.
const firstReportMs = 1000;
const maxReportIntervalMs = 60 * 60 * 1000;

/**
 * Aborts a run's signal when its timeout passes. Nothing can stop a perform that
 * ignores the signal, so the run keeps its slot and its lease (the caller's heartbeat
 * goes on) until it returns; meanwhile it is reported, and past `hungBound` handed to it.
 */
export function startRunDeadline(options: RunDeadlineOptions): RunDeadline {
  const { job, jobId, timeoutMs, logger, hungBound } = options;
  let error: JobTimeoutError | undefined;
  let deadlineAt = 0;
  let reported = false;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    timers.add(timer);
  };
  const overrun = () => Date.now() - deadlineAt;
  let ignoredReported: Promise<void> | undefined;
  const reportIgnored = () => (ignoredReported ??= options.ignored?.({ job, jobId, timeoutMs, overrunMs: overrun() }) ?? Promise.resolve());
  const report = (intervalMs: number) => {
    if (!reported) void reportIgnored();
    reported = true;
    logger.warn("job ignores its timeout: its signal was aborted but perform has not returned; it keeps its worker slot and lease until it does", { job, jobId, timeoutMs, overrunMs: overrun() });
    later(Math.min(intervalMs * 2, maxReportIntervalMs), () => report(Math.min(intervalMs * 2, maxReportIntervalMs)));
  };

  later(timeoutMs, () => {
    deadlineAt = Date.now();
    error = new JobTimeoutError({ job, jobId, timeoutMs });
    options.abort(error);
    later(firstReportMs, () => report(firstReportMs));
    if (hungBound) later(hungBound.afterMs, () => hungBound.onHung({ job, jobId, timeoutMs, overrunMs: overrun() }, reportIgnored()));
  });

  return {
    get error() {
      return error;
    },
    finish() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      if (reported) logger.warn("job that ignored its timeout has returned; its attempt fails as timed out", { job, jobId, timeoutMs, overrunMs: overrun() });
    },
  };
}

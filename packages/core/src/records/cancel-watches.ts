import { JobCancelledError } from "../errors/job-cancelled-error.js";
import type { Logger } from "../logger.js";
import type { CancelWatch, RunAbort } from "../worker/job-run.js";

/** Ticks per cancel check: a job is read once it has gone three quarters of an interval unread, so reads come at most an interval apart. */
const ticksPerCheck = 4;

/** One watched run, and the CancelWatch its run holds: one object per job. */
class WatchedRun implements CancelWatch {
  /** Epoch ms from which the next tick reads the record. */
  readAfter: number;
  reading = false;
  #requested = false;

  constructor(
    readonly jobId: string,
    readonly run: RunAbort,
    unreadMs: number,
    private readonly watched: Set<WatchedRun>,
  ) {
    this.readAfter = Date.now() + unreadMs;
  }

  requested(): boolean {
    return this.#requested;
  }

  markRequested(): void {
    this.#requested = true;
    this.watched.delete(this);
  }

  stop(): void {
    this.watched.delete(this);
  }
}

/**
 * The running jobs a writer watches for a cancel, on one timer for all of
 * them: a timer per job was a tenth of the garbage records added to a drain
 * of short jobs (#20). A job's record is read once it has run, or gone since
 * its last read, three quarters of `cancelCheckMs`; ticks a quarter apart make
 * that at most `cancelCheckMs`. A job shorter than three quarters costs no read.
 */
export class CancelWatches {
  readonly #watched = new Set<WatchedRun>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly cancelCheckMs: number,
    /** Whether a cancel was requested for the job; rejects when the record cannot be read. */
    private readonly cancelRequested: (jobId: string) => Promise<boolean>,
    private readonly logger: Logger,
  ) {}

  watch(jobId: string, run: RunAbort): CancelWatch {
    const entry = new WatchedRun(jobId, run, this.#unreadMs, this.#watched);
    this.#watched.add(entry);
    this.#timer ??= this.#start();
    return entry;
  }

  get #unreadMs(): number {
    return this.cancelCheckMs - this.cancelCheckMs / ticksPerCheck;
  }

  #start(): ReturnType<typeof setInterval> {
    const timer = setInterval(() => this.#tick(), this.cancelCheckMs / ticksPerCheck);
    timer.unref();
    return timer;
  }

  #tick(): void {
    // Stopped on the first tick with nothing to watch, not on every stop: a busy worker keeps one timer.
    if (this.#watched.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    const now = Date.now();
    for (const entry of this.#watched) {
      if (entry.reading || entry.run.aborted || now < entry.readAfter) continue;
      entry.reading = true;
      this.cancelRequested(entry.jobId)
        .then(
          (requested) => {
            // A run that ended meanwhile is left alone.
            if (!requested || entry.run.aborted || !this.#watched.has(entry)) return;
            entry.markRequested();
            this.logger.info("job cancelled while running; aborting its signal", { jobId: entry.jobId });
            entry.run.abort(new JobCancelledError({ jobId: entry.jobId }));
          },
          (error: unknown) => this.logger.warn("could not check a running job's record for a cancel", { jobId: entry.jobId, error }),
        )
        .finally(() => {
          entry.reading = false;
          entry.readAfter = Date.now() + this.#unreadMs;
        });
    }
  }
}

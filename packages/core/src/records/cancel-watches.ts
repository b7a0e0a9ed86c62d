import { JobCancelledError } from "../errors/job-cancelled-error.js";
import type { Logger } from "../logger.js";
import type { RunAbort } from "../worker/job-run.js";

/** Ticks per cancel check: a job is read once it has gone three quarters of an interval unread, so reads come at most an interval apart. */
const ticksPerCheck = 4;

/** A running job as the watches see it: the run itself (a JobRun), no object of their own per run. */
export interface WatchedRun extends RunAbort {
  /** The envelope's id, not the context's writable `jobId` field. */
  readonly envelopeId: string;
}

/**
 * The running jobs a writer watches for a cancel, on one timer for all of
 * them: a timer per job was a tenth of the garbage records added to a drain
 * of short jobs (#20). A job's record is read once it has run, or gone since
 * its last read, three quarters of `cancelCheckMs`; ticks a quarter apart make
 * that at most `cancelCheckMs`. A job shorter than three quarters costs no read.
 * A watch is the run as a map key with its next read time (ms from the watches'
 * own epoch, a small integer): no object per run (#20); the few runs being read
 * or found cancelled sit in sets of their own.
 */
export class CancelWatches {
  readonly #watched = new Map<WatchedRun, number>();
  readonly #reading = new Set<WatchedRun>();
  readonly #requested = new WeakSet<WatchedRun>();
  #epoch = Date.now();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly cancelCheckMs: number,
    /** Whether a cancel was requested for the job; rejects when the record cannot be read. */
    private readonly cancelRequested: (jobId: string) => Promise<boolean>,
    private readonly logger: Logger,
  ) {}

  watch(run: WatchedRun): void {
    this.#timer ??= this.#start();
    this.#watched.set(run, this.#nextReadMs());
  }

  /** The run ended: no more reads for it (one already under way is ignored when it answers). */
  stop(run: WatchedRun): void {
    this.#watched.delete(run);
  }

  /** Whether this run was aborted because its job was cancelled. */
  requested(run: WatchedRun): boolean {
    return this.#requested.has(run);
  }

  #nextReadMs(): number {
    return Date.now() - this.#epoch + this.cancelCheckMs - this.cancelCheckMs / ticksPerCheck;
  }

  #start(): ReturnType<typeof setInterval> {
    // Restarted with nothing watched: the read times stay small integers.
    this.#epoch = Date.now();
    const timer = setInterval(() => this.#tick(), this.cancelCheckMs / ticksPerCheck);
    timer.unref();
    return timer;
  }

  #tick(): void {
    // Stopped on the first tick with nothing to watch, not on every stop: a busy worker keeps one timer.
    if (this.#watched.size === 0 && this.#reading.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    const now = Date.now() - this.#epoch;
    this.#watched.forEach((readAfterMs, run) => {
      if (now < readAfterMs || run.aborted || this.#reading.has(run)) return;
      this.#read(run);
    });
  }

  #read(run: WatchedRun): void {
    const jobId = run.envelopeId;
    this.#reading.add(run);
    this.cancelRequested(jobId)
      .then(
        (requested) => {
          // A run that ended meanwhile is left alone.
          if (!requested || run.aborted || !this.#watched.has(run)) return;
          this.#requested.add(run);
          this.#watched.delete(run);
          this.logger.info("job cancelled while running; aborting its signal", { jobId });
          run.abort(new JobCancelledError({ jobId }));
        },
        (error: unknown) => this.logger.warn("could not check a running job's record for a cancel", { jobId, error }),
      )
      .finally(() => {
        this.#reading.delete(run);
        if (this.#watched.has(run)) this.#watched.set(run, this.#nextReadMs());
      });
  }
}

import { JobCancelledError } from "../errors/job-cancelled-error.js";
import type { Logger } from "../logger.js";
import type { CancelWatch, RunAbort } from "../worker/job-run.js";

/** Ticks per cancel check: a job is read once it has gone three quarters of an interval unread, so reads come at most an interval apart. */
const ticksPerCheck = 4;

interface Watched {
  readonly jobId: string;
  readonly run: RunAbort;
  /** Epoch ms from which the next tick reads the record. */
  readAfter: number;
  reading: boolean;
  requested: boolean;
}

/**
 * The running jobs a writer watches for a cancel, on one timer for all of
 * them: a timer per job was a tenth of the garbage records added to a drain
 * of short jobs (#20). A job's record is read once it has run, or gone since
 * its last read, three quarters of `cancelCheckMs`; ticks a quarter apart make
 * that at most `cancelCheckMs`. A job shorter than three quarters costs no read.
 */
export class CancelWatches {
  readonly #watched = new Set<Watched>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly cancelCheckMs: number,
    /** Whether a cancel was requested for the job; rejects when the record cannot be read. */
    private readonly cancelRequested: (jobId: string) => Promise<boolean>,
    private readonly logger: Logger,
  ) {}

  watch(jobId: string, run: RunAbort): CancelWatch {
    const entry: Watched = { jobId, run, readAfter: Date.now() + this.#unreadMs, reading: false, requested: false };
    this.#watched.add(entry);
    this.#timer ??= this.#start();
    return {
      requested: () => entry.requested,
      stop: () => {
        this.#watched.delete(entry);
      },
    };
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
            entry.requested = true;
            this.#watched.delete(entry);
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

import type { Envelope } from "../envelope/envelope.js";
import type { JobContext } from "../job.js";
import type { Logger } from "../logger.js";
import { progressOutsideRecords } from "../records/progress-outside-records.js";
import type { RecordWriter } from "../records/record-writer.js";
import type { InFlightJob } from "./message-handler.js";
import type { RunDeadline } from "./run-deadline.js";

/** What may abort a run (its deadline, the lease heartbeat, a cancel, a shutdown): the first reason wins. */
export interface RunAbort {
  readonly aborted: boolean;
  abort(reason: unknown): void;
}

/**
 * One perform: the `JobContext` the job gets and the state the worker keeps for
 * it, in one object, so a held job costs one allocation rather than a closure
 * per concern. Its AbortController is made only when `signal` is first read; an
 * abort that came before that is applied as it is made, so a job that reads its
 * signal late still finds it aborted with the first reason.
 */
export class JobRun implements JobContext, RunAbort {
  readonly jobId: string;
  readonly jobName: string;
  readonly queue: string;
  readonly attempt: number;
  readonly logger: Logger;
  /** When the lease was last renewed (or the run started), on this process's clock; read by the shared heartbeat. */
  leaseFrom = 0;
  /** Its timeout, if it has one. */
  deadline: RunDeadline | undefined = undefined;
  /** Its record's cancel watch, when records are on. */
  cancelWatch: { readonly requested: () => boolean; stop(): void } | undefined = undefined;
  private controller: AbortController | undefined = undefined;
  private reason: unknown = undefined;
  private wasAborted = false;
  private enqueuedAtDate: Date | undefined = undefined;
  private progressFunction: JobContext["progress"] | undefined = undefined;

  constructor(
    readonly job: InFlightJob,
    private readonly envelope: Envelope,
    jobName: string,
    queue: string,
    attempt: number,
    logger: Logger,
    private readonly records: RecordWriter | undefined,
  ) {
    this.jobId = envelope.id;
    this.jobName = jobName;
    this.queue = queue;
    this.attempt = attempt;
    this.logger = logger;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.wasAborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  get enqueuedAt(): Date {
    this.enqueuedAtDate ??= new Date(this.envelope.enqueuedAt);
    return this.enqueuedAtDate;
  }

  // A function of its own (made when first read), so `const { progress } = context` keeps working.
  get progress(): JobContext["progress"] {
    this.progressFunction ??= (value) => (this.records ? this.records.progress(this.jobId, value) : progressOutsideRecords(value));
    return this.progressFunction;
  }

  get aborted(): boolean {
    return this.wasAborted;
  }

  /** Why the run was aborted (the first reason), else undefined. */
  get abortReason(): unknown {
    return this.reason;
  }

  abort(reason: unknown): void {
    if (this.wasAborted) return;
    this.wasAborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }

  /** As an `abort` listener on a push platform's own signal for this one message (no closure needed). */
  handleEvent(event: Event): void {
    this.abort((event.target as AbortSignal).reason);
  }
}

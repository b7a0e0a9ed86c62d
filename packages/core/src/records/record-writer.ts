import type { Envelope } from "../envelope/envelope.js";
import { JobCancelledError } from "../errors/job-cancelled-error.js";
import type { Logger } from "../logger.js";
import type { CancelWatch, RunAbort } from "../worker/job-run.js";
import { sanitizedError } from "../redaction.js";
import type { ResolvedRecordsOptions } from "./records-options.js";
import { progressJson, resultJson } from "./record-values.js";
import type { JobIdentity, RecordStore, SettledRecord } from "./record-store.js";

const maxErrorMessageChars = 2000;

/**
 * The one place the enqueuer and the message handler write records through.
 * Records describe jobs and never decide their fate: a store that cannot be
 * reached is logged, and the job runs, retries and acks as without records
 * (its record then lags until the next write or expires).
 */
export class RecordWriter {
  constructor(
    private readonly store: () => Promise<RecordStore>,
    private readonly options: ResolvedRecordsOptions,
    private readonly logger: Logger,
  ) {}

  get maxResultBytes(): number {
    return this.options.maxResultBytes;
  }

  /** Opens the store now, so a worker finds a missing or unreachable one at start rather than per job. */
  async check(): Promise<void> {
    await this.store();
  }

  async enqueued(envelopes: readonly Envelope[], transaction: unknown): Promise<void> {
    if (envelopes.length === 0) return;
    const now = Date.now();
    const records = envelopes.map((envelope) => {
      const runAt = envelope.runAt === undefined ? null : Date.parse(envelope.runAt);
      return { ...identityOf(envelope), runAt, ttlMs: this.options.keepMs.unfinished + Math.max(0, (runAt ?? now) - now) };
    });
    await this.quietly("enqueued", envelopes[0]!.id, async (store) => store.insert(records, transaction === undefined ? undefined : { transaction }));
  }

  /** False when the job was cancelled and must not run. */
  async start(envelope: Envelope, attempt: number): Promise<boolean> {
    const state = await this.quietly("running", envelope.id, async (store) => store.start({ ...identityOf(envelope), attempt, startedAt: Date.now(), ttlMs: this.options.keepMs.unfinished }));
    return state !== "cancelled";
  }

  /**
   * While a job runs, reads its record every `cancelCheckMs` and aborts
   * the run with JobCancelledError once a cancel was requested from any
   * process. A job shorter than one interval costs no read.
   */
  watchCancel(jobId: string, run: RunAbort): CancelWatch {
    let requested = false;
    let reading = false;
    const timer = setInterval(() => {
      if (reading || run.aborted) return;
      reading = true;
      this.store()
        .then((store) => store.get(jobId))
        .then(
          (record) => {
            if (!record?.cancelRequested || run.aborted) return;
            requested = true;
            clearInterval(timer);
            this.logger.info("job cancelled while running; aborting its signal", { jobId });
            run.abort(new JobCancelledError({ jobId }));
          },
          (error: unknown) => this.logger.warn("could not check a running job's record for a cancel", { jobId, error }),
        )
        .finally(() => {
          reading = false;
        });
    }, this.options.cancelCheckMs);
    timer.unref();
    return { requested: () => requested, stop: () => clearInterval(timer) };
  }

  /** Ends a job that was cancelled: stopped while it ran, or refused at start after a cancel was requested. */
  async cancelled(envelope: Envelope, attempt: number): Promise<void> {
    await this.settle({ ...identityOf(envelope), state: "cancelled", attempt, finishedAt: Date.now(), ttlMs: this.options.keepMs.cancelled });
  }

  /** Checks the value (throwing JobRecordValueError into the job) and stores it. */
  async progress(jobId: string, value: unknown): Promise<void> {
    const text = progressJson(value);
    await this.quietly("progress", jobId, async (store) => store.progress(jobId, text));
  }

  /** The result as JSON text; throws JobRecordValueError when it cannot be kept. */
  resultOf(value: unknown): string {
    return resultJson(value, this.options.maxResultBytes);
  }

  async succeeded(envelope: Envelope, attempt: number, result: string): Promise<void> {
    await this.settle({ ...identityOf(envelope), state: "succeeded", attempt, result, finishedAt: Date.now(), ttlMs: this.options.keepMs.succeeded });
  }

  /** A failed attempt: `failed` (discarded), `dead` (dead-lettered) or `retrying` at `runAt`. */
  async failed(envelope: Envelope, attempt: number, state: "failed" | "dead" | "retrying", error: unknown, runAt?: number): Promise<void> {
    const now = Date.now();
    const ttlMs = state === "retrying" ? this.options.keepMs.unfinished + Math.max(0, (runAt ?? now) - now) : this.options.keepMs[state];
    const finished = state === "retrying" ? { runAt: runAt ?? now } : { finishedAt: now };
    await this.settle({ ...identityOf(envelope), state, attempt, error: errorJson(error), ...finished, ttlMs });
  }

  private async settle(record: SettledRecord): Promise<void> {
    await this.quietly(record.state, record.id, async (store) => store.settle(record));
  }

  private async quietly<T>(state: string, jobId: string, write: (store: RecordStore) => Promise<T>): Promise<T | undefined> {
    try {
      return await write(await this.store());
    } catch (error) {
      this.logger.error("could not write a job record; the job goes on, its record lags", { jobId, state, error });
      return undefined;
    }
  }
}

function identityOf(envelope: Envelope): JobIdentity {
  return { id: envelope.id, job: envelope.job, queue: envelope.queue, enqueuedAt: Date.parse(envelope.enqueuedAt) || 0 };
}

/** Name and message only (redacted, bounded): records are read by dashboards and APIs, stacks stay in the logs. */
function errorJson(error: unknown): string {
  const safe = sanitizedError(error);
  return JSON.stringify({ name: safe.name, message: safe.message.slice(0, maxErrorMessageChars) });
}

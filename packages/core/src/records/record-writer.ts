import type { Backend, OutgoingMessage, ReceivedMessage, ReceiveOptions } from "../backend/backend.js";
import type { Envelope } from "../envelope/envelope.js";
import type { Logger } from "../logger.js";
import { sanitizedError } from "../redaction.js";
import { unfinishedKeepMs, type ResolvedRecordsOptions } from "./records-options.js";
import { ProgressLanes } from "./progress-lanes.js";
import { CancelWatches, type WatchedRun } from "./cancel-watches.js";
import { argsRecordText, progressJson, resultJson } from "./record-values.js";
import { checkpointJson } from "../iteration/iteration-state.js";
import type { HoldReason, InsertedRecord, JobIdentity, RecordStore, SettledRecord } from "./record-store.js";
import { BATCH_META_KEY } from "../batches/batches.js";
import { PARENT_META_KEY } from "../batches/flows.js";

const maxErrorMessageChars = 2000;

/**
 * The one place the enqueuer and the message handler write records through.
 * Records describe jobs and never decide their fate: a store that cannot be
 * reached is logged, and the job runs, retries and acks as without records
 * (its record then lags until the next write or expires).
 *
 * When the store is the backend's own and the backend writes it from its own
 * calls (`writesOwnRecords`), the insert rides with the enqueue, the start with
 * the receive and the outcome with the ack: no call of their own. A record
 * written that way fails with its call, as the call would.
 */
export class RecordWriter {
  /** Known once the store is open (`check`): writes ride with the backend's calls. */
  private riding = false;
  /** `check` has succeeded once: the store and whether records ride are known for good. */
  private storeKnown = false;
  /** How long an unfinished record outlives its last write (past its runAt); known once the backend is (`check`). */
  private unfinishedMs: number;
  private backendKnown = false;
  private readonly cancelWatches: CancelWatches;
  private readonly progressLanes = new ProgressLanes(async (jobId, text) => this.quietly("progress", jobId, async (store) => store.progress(jobId, text)));

  constructor(
    private readonly store: () => Promise<{ readonly store: RecordStore; readonly riding: boolean }>,
    private readonly options: ResolvedRecordsOptions,
    private readonly logger: Logger,
    private readonly backend: () => Promise<Backend>,
  ) {
    this.unfinishedMs = options.keepMs.unfinished;
    this.cancelWatches = new CancelWatches(options.cancelCheckMs, async (jobId) => (await (await this.store()).store.get(jobId))?.cancelRequested === true, logger);
  }

  /** The record to send with an enqueued message, when records ride with it (after `check`); undefined when they do not. */
  outgoingRecord(envelope: Envelope): InsertedRecord | undefined {
    return this.riding ? this.insertedRecord(envelope, Date.now()) : undefined;
  }

  /** What to ask of a receive so that it starts the records of what it leases. */
  get receiveOptions(): Pick<ReceiveOptions, "records"> {
    return this.riding ? { records: { ttlMs: this.unfinishedMs } } : {};
  }

  get maxResultBytes(): number {
    return this.options.maxResultBytes;
  }

  /** Opens the store now, so a worker finds a missing or unreachable one at start rather than per job. */
  async check(): Promise<void> {
    this.riding = (await this.store()).riding;
    // Once: every enqueue checks, and the backend's retention does not change.
    if (!this.backendKnown) this.knowBackend(await this.backend());
    this.storeKnown = true;
  }

  /** True once `check` has succeeded: an enqueue then has nothing to wait for before it sends. */
  get checked(): boolean {
    return this.storeKnown;
  }

  /** Learns how long the backend may keep a job unseen, which bounds its unfinished record (a push handler's backend, without `check`). */
  knowBackend(backend: Backend): void {
    this.unfinishedMs = unfinishedKeepMs(backend.capabilities, this.options.keepMs.unfinished);
    this.backendKnown = true;
  }

  /** Records of enqueued jobs whose messages carried none (`outgoingRecord`). */
  async enqueued(envelopes: readonly Envelope[], transaction: unknown, sent: readonly OutgoingMessage[]): Promise<void> {
    const now = Date.now();
    const records = envelopes.filter((_, index) => sent[index]?.record === undefined).map((envelope) => this.insertedRecord(envelope, now));
    if (records.length === 0) return;
    await this.quietly("enqueued", records[0]!.id, async (store) => store.insert(records, transaction === undefined ? undefined : { transaction }));
  }

  /**
   * False when the job was cancelled and must not run. A receive that started the record for this attempt
   * already wrote it: then the answer is known at once, not a promise (one per job on a drain). (#20)
   */
  start(envelope: Envelope, attempt: number, message: ReceivedMessage): boolean | Promise<boolean> {
    if (message.record === "cancelled") return false;
    if (this.startedByClaim(message, attempt)) return true;
    return this.startRecord(envelope, attempt);
  }

  /** Whether the receive that claimed this attempt started its record: `start` then writes nothing and answers true. */
  startedByClaim(message: ReceivedMessage, attempt: number): boolean {
    return message.record === "running" && message.deliveryAttempt === attempt;
  }

  private async startRecord(envelope: Envelope, attempt: number): Promise<boolean> {
    const state = await this.quietly("running", envelope.id, async (store) => store.start({ ...identityOf(envelope), attempt, startedAt: Date.now(), ttlMs: this.unfinishedMs }));
    return state !== "cancelled";
  }

  /** A job its receive marked running was held back before it ran (postponed, released, too new): its record waits again. */
  async heldBack(envelope: Envelope, message: ReceivedMessage, runAt: number): Promise<void> {
    if (message.record !== "running") return;
    await this.settle({ ...identityOf(envelope), state: "waiting", attempt: Math.max(0, (message.deliveryAttempt ?? 1) - 1), runAt, ttlMs: this.unfinishedTtlMs(runAt, Date.now()) });
  }

  /**
   * A due job went back for later without running (`attemptsRun` so far): its record says held and
   * why, with when it is offered again. One write per hold, with or without a receive that marked it running.
   */
  async held(envelope: Envelope, attemptsRun: number, runAt: number, reason: HoldReason): Promise<void> {
    await this.settle({ ...identityOf(envelope), state: `held:${reason}`, attempt: Math.max(0, attemptsRun), runAt, ttlMs: this.unfinishedTtlMs(runAt, Date.now()) });
  }

  /**
   * Acks `message` with `record` written: in the ack's own call when records ride with it, else settled first.
   * A job with no progress write pending acks at once: no async frame or promise of the writer's. (#20)
   */
  settleAndAck(message: ReceivedMessage, record: SettledRecord): Promise<void> {
    const progress = this.progressLanes.drained(record.id);
    if (progress === undefined && this.riding) return message.ack({ record });
    return this.settleAndAckAfter(progress, message, record);
  }

  private async settleAndAckAfter(progress: Promise<void> | undefined, message: ReceivedMessage, record: SettledRecord): Promise<void> {
    await progress;
    if (this.riding) return message.ack({ record });
    await this.settle(record);
    await message.ack();
  }

  /**
   * While a job runs, reads its record about every `cancelCheckMs` (never further apart) and aborts
   * the run with JobCancelledError once a cancel was requested from any process. One timer for all
   * the jobs watched, and no object per run; a job shorter than three quarters of an interval costs no read.
   */
  watchCancel(run: WatchedRun): void {
    this.cancelWatches.watch(run);
  }

  /** The run ended: its record is no longer read for a cancel. */
  unwatchCancel(run: WatchedRun): void {
    this.cancelWatches.stop(run);
  }

  /** Whether the run was aborted because its job was cancelled (`watchCancel`). */
  cancelledWhileRunning(run: WatchedRun): boolean {
    return this.cancelWatches.requested(run);
  }

  /** Ends a job that was cancelled: stopped while it ran, or refused at start after a cancel was requested. */
  cancelledRecord(envelope: Envelope, attempt: number): SettledRecord {
    return finishedRecord(envelope, "cancelled", attempt, undefined, this.options.keepMs.cancelled);
  }

  /**
   * Checks the value (throwing JobRecordValueError into the job) and stores it: one write in flight
   * per job, a value given meanwhile replaces the one waiting; resolves once it or a later one is written.
   */
  async progress(jobId: string, value: unknown): Promise<void> {
    await this.progressLanes.push(jobId, progressJson(value));
  }

  /** An iterable job's checkpoint (`{"iteration": state}`), stored as its progress. */
  async checkpoint(jobId: string, stateText: string): Promise<void> {
    await this.quietly("progress", jobId, async (store) => store.progress(jobId, checkpointJson(stateText)));
  }

  /**
   * The run of `attempt` passed its timeout by `overrunMs` and ignores its signal: its record says so (state still
   * running, `error` its JobTimeoutError, read back as `hung`) and `job-hang` is published. A store without `hung`
   * writes nothing (the logs still say it). Never rejects: a failed write is logged.
   */
  async hung(envelope: Envelope, attempt: number, timeoutMs: number, overrunMs: number): Promise<void> {
    const message = `job ${envelope.job} (${envelope.id}) is ${overrunMs} ms past its timeout of ${timeoutMs} ms and ignores its signal: it keeps its worker slot and lease until perform returns`;
    // The attempt and when: a later run of the same attempt number (a redelivery that counts none) starts after it.
    const error = JSON.stringify({ name: "JobTimeoutError", message: message.slice(0, maxErrorMessageChars), hungAttempt: attempt, hungAt: Date.now() });
    await this.quietly("hung", envelope.id, async (store) => store.hung?.({ id: envelope.id, job: envelope.job, queue: envelope.queue, attempt, error }));
  }

  /** The progress last stored for a job (an iterable job reads its checkpoint from it); undefined when unreadable. */
  async lastProgress(jobId: string): Promise<string | null | undefined> {
    return this.quietly("read", jobId, async (store) => (await store.get(jobId))?.progress);
  }

  /** An iterable job stopped at a boundary and goes back to its queue: its record waits again, its progress kept. */
  async continued(envelope: Envelope, attempt: number): Promise<void> {
    const now = Date.now();
    await this.settle({ ...identityOf(envelope), state: "waiting", attempt, runAt: now, ttlMs: this.unfinishedTtlMs(now, now) });
  }

  /** The result as JSON text; throws JobRecordValueError when it cannot be kept. */
  resultOf(value: unknown): string {
    // Most jobs return nothing: no walk, no Set, no byte count for it. (#20)
    return value === undefined || value === null ? "null" : resultJson(value, this.options.maxResultBytes);
  }

  succeededRecord(envelope: Envelope, attempt: number, result: string): SettledRecord {
    return finishedRecord(envelope, "succeeded", attempt, result, this.options.keepMs.succeeded);
  }

  /** A failed attempt: `failed` (discarded), `dead` (dead-lettered) or `retrying` at `runAt`. */
  failedRecord(envelope: Envelope, attempt: number, state: "failed" | "dead" | "retrying", error: unknown, runAt?: number): SettledRecord {
    const now = Date.now();
    const ttlMs = state === "retrying" ? this.unfinishedTtlMs(runAt ?? now, now) : this.options.keepMs[state];
    const finished = state === "retrying" ? { runAt: runAt ?? now } : { finishedAt: now };
    return { ...identityOf(envelope), state, attempt, error: errorJson(error), ...finished, ttlMs };
  }

  /** Writes an outcome that no ack carries (a retry, which nacks or republishes), after the job's last progress. */
  async settle(record: SettledRecord): Promise<void> {
    await this.progressLanes.drained(record.id);
    await this.quietly(record.state, record.id, async (store) => store.settle(record));
  }

  /**
   * Writes an outcome now, failing with the store: for a result another job reads once this job's
   * bookkeeping ran (a flow's parent), which must not run ahead of it.
   */
  async settleStrictly(record: SettledRecord): Promise<void> {
    await this.progressLanes.drained(record.id);
    await (await this.store()).store.settle(record);
  }

  private insertedRecord(envelope: Envelope, now: number): InsertedRecord {
    const runAt = envelope.runAt === undefined ? null : Date.parse(envelope.runAt);
    const args = this.options.args ? argsRecordText(envelope.args, this.options.maxArgsBytes) : undefined;
    // One object of one shape, its optional fields set only when present (as the spreads did): no
    // intermediate identity or link objects per enqueued job. (#20)
    const record: { -readonly [K in keyof InsertedRecord]: InsertedRecord[K] } = {
      id: envelope.id,
      job: envelope.job,
      queue: envelope.queue,
      enqueuedAt: enqueuedAtOf(envelope),
      runAt,
      ttlMs: this.unfinishedTtlMs(runAt ?? now, now),
    };
    const batchId = envelope.meta[BATCH_META_KEY];
    const parentId = envelope.meta[PARENT_META_KEY];
    if (batchId !== undefined) record.batchId = batchId;
    if (parentId !== undefined) record.parentId = parentId;
    if (args !== undefined) record.args = args;
    return record;
  }

  /**
   * The ttl of every unfinished write (waiting, held, retrying): its job may still be in its queue, so never
   * `keep.unfinished` alone, which on a backend that keeps messages until acked would drop the record of a job
   * that waits past it; counted from `runAt`.
   */
  private unfinishedTtlMs(runAt: number, now: number): number {
    return this.unfinishedMs + Math.max(0, runAt - now);
  }

  private async quietly<T>(state: string, jobId: string, write: (store: RecordStore) => Promise<T>): Promise<T | undefined> {
    try {
      return await write((await this.store()).store);
    } catch (error) {
      this.logger.error("could not write a job record; the job goes on, its record lags", { jobId, state, error });
      return undefined;
    }
  }
}

function identityOf(envelope: Envelope): JobIdentity {
  return { id: envelope.id, job: envelope.job, queue: envelope.queue, enqueuedAt: enqueuedAtOf(envelope) };
}

let lastEnqueuedAtText = "";
let lastEnqueuedAtMs = 0;

/**
 * The envelope's enqueued time in ms, parsed once for a run of equal texts: a bulk enqueue's envelopes share
 * one, and the jobs a drain acks together were mostly enqueued in the same ms (Date.parse was ~0.3 µs a job, #20).
 */
function enqueuedAtOf(envelope: Envelope): number {
  const text = envelope.enqueuedAt;
  if (text !== lastEnqueuedAtText) {
    lastEnqueuedAtMs = Date.parse(text) || 0;
    lastEnqueuedAtText = text;
  }
  return lastEnqueuedAtMs;
}

/** A finished attempt's record (succeeded, cancelled), built as one object: the ack path makes one per job. (#20) */
function finishedRecord(envelope: Envelope, state: "succeeded" | "cancelled", attempt: number, result: string | undefined, ttlMs: number): SettledRecord {
  const enqueuedAt = enqueuedAtOf(envelope);
  return result === undefined
    ? { id: envelope.id, job: envelope.job, queue: envelope.queue, enqueuedAt, state, attempt, finishedAt: Date.now(), ttlMs }
    : { id: envelope.id, job: envelope.job, queue: envelope.queue, enqueuedAt, state, attempt, result, finishedAt: Date.now(), ttlMs };
}

/** Name and message only (redacted, bounded): records are read by dashboards and APIs, stacks stay in the logs. */
function errorJson(error: unknown): string {
  const safe = sanitizedError(error);
  return JSON.stringify({ name: safe.name, message: safe.message.slice(0, maxErrorMessageChars) });
}


import type { Backend, ReceivedMessage } from "../backend/backend.js";
import { concurrencyStoreKey, slotRetryAt, takeConcurrencySlot, type ConcurrencySlot } from "../coordination/concurrency-limit.js";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import { releaseUnique, UNIQUE_META_KEY } from "../coordination/unique-jobs.js";
import { buildDeadLetter, sendDeadLetter } from "../dead-letters.js";
import { deserializeArgs } from "../envelope/args-serializer.js";
import { decodeEnvelope, type Envelope } from "../envelope/envelope.js";
import { copyPlainJson } from "../envelope/copy-plain-json.js";
import { JobTimeoutError } from "../errors/job-timeout-error.js";
import { JobCancelledError } from "../errors/job-cancelled-error.js";
import { MisaddressedMessageError } from "../errors/misaddressed-message-error.js";
import { PayloadVersionError } from "../errors/payload-version-error.js";
import { upgradeArgs, validateArgs, type JobDefinition, type JobRegistry } from "../job-registry.js";
import type { Logger } from "../logger.js";
import { runPerformMiddleware, type Middleware, type PerformMiddlewareContext } from "../middleware.js";
import { decideRetry, failureOutcomeOf } from "../retry-policy.js";
import { tameThrown } from "../errors/thrown-value.js";
import type { RecordWriter } from "../records/record-writer.js";
import { JobRun, settleWhenPerformed, type RunAbort, type RunShared } from "./job-run.js";
import type { ResolvedIteration } from "../iteration/iteration-options.js";
import { continuedEnvelope, savedState, startIteration, upgradeState } from "../iteration/iteration-run.js";
import type { IterationState } from "../iteration/iteration-state.js";
import { isIterationInterrupt, type Iteration, type IterationInterrupt } from "../iteration/iteration.js";
import { LeaseHeartbeat } from "./lease-heartbeat.js";
import { leaseClock } from "./lease-clock.js";
import type { SettledRecord } from "../records/record-store.js";
import type { FlowControl } from "../flow-control/flow-control.js";
import { Redelivery } from "./redelivery.js";
import type { SlotLoans } from "./slot-loans.js";
import { abortableSleep } from "../abortable-sleep.js";
import type { RunningJobs } from "./run-abort.js";
import { RunLog, type RunLogTarget } from "./run-log.js";
import { startRunDeadline, type HungJobBound, type RunDeadline } from "./run-deadline.js";
import { BATCH_META_KEY, type BatchBook } from "../batches/batches.js";
import { SENT_ONCE_META_KEY } from "../batches/workflow-ledger.js";
import { PARENT_META_KEY } from "../batches/flows.js";
import type { BatchOutcome } from "../batches/batch-state.js";
import type { RunClaim } from "../batches/run-claim.js";
import type { HistorySampler } from "../history/history-sampler.js";

export interface MessageHandlerOptions {
  readonly backend: Backend;
  readonly registry: JobRegistry;
  readonly middleware: readonly Middleware[];
  readonly logger: Logger;
  /** Holds per-key concurrency slots and unique jobs' keys. */
  readonly coordination: CoordinationStore;
  readonly leaseMs: number;
  /**
   * False when nothing can renew the lease (a push platform without an `extendLease`): no heartbeat then, so a run
   * is never given up for a lease nobody holds. Default true where the backend can extend leases.
   */
  readonly renewsLeases?: boolean;
  /** Include job args in logs of failed jobs; off by default, as args may hold secrets. */
  readonly logArgs?: boolean;
  /** How long to wait before offering a too-new payload again. */
  readonly newerVersionRetryMs: number;
  /** How long a too-new payload may wait for a newer worker before it is dead-lettered. */
  readonly newerVersionMaxHoldMs: number;
  /** Where runs are tracked by job id, so they can be aborted from outside; absent, runs are not tracked (a held job then costs no map entry). */
  readonly runningJobs?: RunningJobs;
  /** What to do with a run that ignores its timeout past a bound (the worker's `exitOnHungJob`). */
  readonly hungJobBound?: HungJobBound;
  /** Writes job records; absent when records are off (then nothing is written or read). */
  readonly records?: RecordWriter;
  /** Rate limits and holds (queue pause); absent, or with nothing for a job, costs that job nothing. */
  readonly flowControl?: FlowControl;
  /** Batch bookkeeping, run before a batch's job is acked; a job outside any batch costs one meta lookup. */
  readonly batches?: BatchBook;
  /** Queue history counted in memory (a worker's); absent (push handlers), nothing is counted. */
  readonly history?: HistorySampler;
}

/** Where a job stands while a worker holds it; shutdown uses it to hand the job back. */
export interface InFlightJob {
  readonly message: ReceivedMessage;
  /**
   * A push platform's signal for this one message (its request aborted): the run's signal aborts with it. Never a
   * signal shared by many jobs (each run would add a listener to it): a worker aborts its runs through `run`.
   */
  readonly signal?: AbortSignal;
  /** When its lease last started (received or renewed), on the lease clock (lease-clock.ts); unknown for a pushed message. */
  leaseFrom?: number;
  /** Called once `perform` has returned or thrown, before its outcome is recorded (as a method: `this` is the job). */
  performed?(): void;
  /** Called once the handler is done with the message (settled, handed back, given up, or it could not settle it). */
  settled?(): void;
  /** Set once the message is no longer this worker's to settle: handed back at shutdown, its lease lost, or left hung for a process exit. */
  handedBack: boolean;
  /** The message's logger once the handler has read it: lines about it carry the job's fields. */
  log?: RunLog;
  /** Set by the worker when a shutdown runs out of time: the run's signal aborts with it, now or as perform starts. */
  shutdownReason?: unknown;
  /** Set by the worker as its shutdown begins: an iterable job stops at its next item boundary and continues from its cursor. */
  stopRequested?: boolean;
  /** The perform under way, set by the handler while it runs; the worker aborts it through this at a shutdown. */
  run?: RunAbort | undefined;
  /** A worker's: lets the job's slot out while it waits for a rate slot. Absent (push handlers): the wait keeps its slot. */
  readonly slotLoans?: SlotLoans;
  /** A worker's: whether it reads `queue` as paused now (a job that waited for its rate slot checks again before it starts). */
  queuePaused?(queue: string): boolean;
  /** Its slot is lent out (SlotLoans). */
  lent?: boolean;
  /** A workflow's job (a callback, a chain's step): the claim that lets one copy of it run at a time, released once the message is settled; its token fences the copy's end. */
  runClaim?: RunClaim;
}

const heldSinceKey = "hopper.heldSince";
// Deliveries this early are run at once rather than held (timer and clock jitter).
const earlyToleranceMs = 5;

/** Runs one received message to its end: ack, retry, postpone, dead letter or discard. Never throws. */
export class MessageHandler {
  private readonly redelivery: Redelivery;
  readonly runningJobs: RunningJobs | undefined;
  /** One timer renewing every running job's lease; absent when the backend cannot extend a lease. */
  private readonly heartbeat: LeaseHeartbeat | undefined;
  /** Only the middleware with a perform hook: with none, a run makes no middleware context at all. */
  private readonly performMiddleware: readonly Middleware[];
  /** Shared by every message's RunLog. */
  private readonly logTarget: RunLogTarget;
  /** Shared by every JobRun. */
  private readonly runShared: RunShared;

  constructor(private readonly options: MessageHandlerOptions) {
    this.redelivery = new Redelivery(options.backend);
    this.runningJobs = options.runningJobs;
    this.heartbeat = options.backend.capabilities.leaseExtension && options.renewsLeases !== false ? new LeaseHeartbeat(options.leaseMs) : undefined;
    this.performMiddleware = options.middleware.filter((layer) => layer.perform !== undefined);
    this.logTarget = { logger: options.logger, backend: options.backend.name };
    this.runShared = {
      records: options.records,
      leaseWatch: this.heartbeat,
      outcome: {
        fulfilled: (run, result) => this.performed(run, result, undefined),
        rejected: (run, error) => this.performed(run, undefined, { error }),
      },
    };
  }

  /**
   * Runs the message to its end and calls `job.settled` once done with it, whatever became of it; never throws.
   * While the job runs, nothing of the handler's is suspended: the message was read and admitted by `prepare`
   * (an async frame gone by then), the run's state is its JobRun, and one reaction on perform's promise
   * carries the outcome to `settleRun` (an await would keep a frame, its registers and its promise alive
   * for the whole run).
   */
  handle(job: InFlightJob, queue: string): void {
    let prepared: JobRun | Promise<JobRun | void>;
    try {
      prepared = this.prepare(job, queue);
    } catch (error) {
      return this.unsettled(job, queue, error);
    }
    // Most jobs (no schema, limit, records, workflow or iteration) are admitted without a promise: they start here.
    if (prepared instanceof JobRun) return this.perform(prepared);
    prepared.then(
      (run) => (run ? this.perform(run) : this.done(job)),
      (error: unknown) => this.unsettled(job, queue, error),
    );
  }

  private perform(run: JobRun): void {
    let performing: unknown;
    try {
      performing = this.invoke(run);
    } catch (error) {
      // A perform that is not async and throws before returning a promise.
      performing = Promise.reject(error);
    }
    settleWhenPerformed(run, Promise.resolve(performing));
  }

  /** Perform has returned (`result`) or thrown (`thrown`): the run ends, then its outcome is settled. */
  private performed(run: JobRun, result: unknown, thrown: { readonly error: unknown } | undefined): void {
    const { job, queue } = run;
    let failure: { readonly error: unknown } | undefined;
    try {
      failure = thrown && { error: this.failureOf(run, thrown.error) };
      this.finishRun(run);
    } catch (error) {
      this.unsettled(job, queue, error);
      return;
    }
    let settling: Promise<void>;
    try {
      settling = this.settleRun(run, result, failure);
    } catch (error) {
      // An ack that threw rather than rejecting.
      this.unsettled(job, queue, error);
      return;
    }
    // Promise.resolve returns a native promise as it is; it also takes an ack that returned no promise.
    Promise.resolve(settling).then(
      () => this.done(job),
      (error: unknown) => this.unsettled(job, queue, error),
    );
  }

  /** Could not even record the outcome (backend down?): the message is left to its lease, which redelivers it. */
  private unsettled(job: InFlightJob, queue: string, error: unknown): void {
    try {
      if (!job.handedBack) (job.log ?? this.options.logger).error("could not settle a message; it will be redelivered when its lease ends", { queue, messageId: job.message.id, error });
    } catch {
      // A logger that throws must not keep the job from being settled, nor end the process as an unhandled rejection.
    }
    this.done(job);
  }

  /** The handler is done with the message: a workflow job's run claim is released first, then the worker hears of it. */
  private done(job: InFlightJob): void {
    const claim = job.runClaim;
    if (!claim) return job.settled?.();
    const settled = () => job.settled?.();
    claim.release().then(settled, settled);
  }

  /**
   * Decodes and admits the message, and starts its run; undefined when it ended here (held back, dead-lettered,
   * dropped). Synchronous up to the first step that must wait (a schema, an iteration's cursor, flow control, a
   * concurrency slot, a workflow's claim, records): a job needing none of them starts with no promise made for it.
   */
  private prepare(job: InFlightJob, queue: string): JobRun | Promise<JobRun | void> {
    const { message } = job;
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(message.body, { id: message.id, queue });
    } catch (error) {
      job.log = new RunLog(this.logTarget, message.id, queue);
      return this.deadLetter(job, queue, null, "malformed envelope", error, null);
    }
    const attempt = this.redelivery.attemptOf(message, envelope);
    const log = new RunLog(this.logTarget, envelope.id, queue, envelope.job, attempt);
    job.log = log;
    // The body must not choose where this worker writes (retries, re-delays): the queue is the one it came from.
    if (envelope.queue !== queue) {
      return this.deadLetter(job, queue, envelope, "misaddressed: the envelope names another queue", new MisaddressedMessageError({ receivedQueue: queue, envelopeQueue: envelope.queue }), attempt);
    }
    let definition: JobDefinition;
    try {
      definition = this.options.registry.lookup(envelope.job);
    } catch (error) {
      return this.deadLetter(job, queue, envelope, "unknown job", error, attempt);
    }

    const runAtMs = envelope.runAt === undefined ? undefined : Date.parse(envelope.runAt);
    if (runAtMs !== undefined) {
      const early = runAtMs - Date.now() > earlyToleranceMs;
      // The copy keeps this attempt number (deliveries lost before count; this hold does not), as every hold's copy does.
      if (early || this.redelivery.mustRelease(envelope)) return this.holdUntilDue(queue, message, { ...envelope, attempt }, early ? runAtMs : undefined);
    }
    if (envelope.version > definition.version) return this.holdNewerVersion(job, queue, envelope, definition, attempt);

    let args: unknown;
    try {
      // Plain JSON args (no type annotations) are the job's as parsed, not copied again: see asReceived.
      // An upgrade may edit the args it is given: never the envelope's own, which retries and dead letters re-encode
      // with the old version (a second run would upgrade the upgraded args).
      const plain = envelope.version < definition.version ? copyPlainJson(envelope.args) : envelope.args;
      const decoded = envelope.argsMeta === undefined ? plain : deserializeArgs({ json: envelope.args, meta: envelope.argsMeta });
      args = upgradeArgs(definition, envelope.version, decoded);
    } catch (error) {
      return this.deadLetter(job, queue, envelope, "payload could not be upgraded or validated", error, attempt);
    }
    if (definition.jobClass.schema) return this.validateThenAdmit(job, log, queue, definition, envelope, attempt, args, runAtMs);
    if (this.mustWaitToAdmit(queue, definition, envelope, message, attempt)) return this.admit(job, log, queue, definition, envelope, attempt, args, runAtMs);
    return this.start(job, log, queue, definition, envelope, attempt, args, runAtMs, undefined, undefined);
  }

  /** Due later (`dueAtMs`), or due now on a backend that must re-send a delayed copy: back to the queue, its record saying so. */
  private async holdUntilDue(queue: string, message: ReceivedMessage, envelope: Envelope, dueAtMs: number | undefined): Promise<void> {
    if (dueAtMs !== undefined) {
      await this.options.records?.heldBack(envelope, message, dueAtMs);
      return this.redelivery.postpone(queue, message, envelope, dueAtMs);
    }
    await this.options.records?.heldBack(envelope, message, Date.now());
    return this.redelivery.release(queue, message, envelope);
  }

  /** The job's schema may be asynchronous: its args are validated before anything else is admitted. */
  private async validateThenAdmit(job: InFlightJob, log: RunLog, queue: string, definition: JobDefinition, envelope: Envelope, attempt: number, upgraded: unknown, runAtMs: number | undefined): Promise<JobRun | void> {
    let args: unknown;
    try {
      args = await validateArgs(definition, upgraded);
    } catch (error) {
      return this.deadLetter(job, queue, envelope, "payload could not be upgraded or validated", error, attempt);
    }
    if (this.mustWaitToAdmit(queue, definition, envelope, job.message, attempt)) return this.admit(job, log, queue, definition, envelope, attempt, args, runAtMs);
    if (!(await this.leaseHeldAfterAdmission(job, log))) return;
    return this.start(job, log, queue, definition, envelope, attempt, args, runAtMs, undefined, undefined);
  }

  /**
   * Whether admitting the job reads or writes anything outside this process (`admit`); a plain job's does not,
   * nor does one whose record its claim started (its start is known at once: no promise or frame per job, #20).
   */
  private mustWaitToAdmit(queue: string, definition: JobDefinition, envelope: Envelope, message: ReceivedMessage, attempt: number): boolean {
    const { flowControl, records, batches } = this.options;
    return (
      definition.iteration !== undefined ||
      definition.concurrency !== undefined ||
      definition.unique?.until === "started" ||
      (records !== undefined && !records.startedByClaim(message, attempt)) ||
      (batches !== undefined && envelope.meta[SENT_ONCE_META_KEY] !== undefined) ||
      flowControl?.applies(queue, definition) === true
    );
  }

  /** The admission steps that wait on a store: the saved cursor, flow control, a concurrency slot, a workflow's claim, the record's start. */
  private async admit(job: InFlightJob, log: RunLog, queue: string, definition: JobDefinition, envelope: Envelope, attempt: number, args: unknown, runAtMs: number | undefined): Promise<JobRun | void> {
    const { message } = job;
    let iterationState: IterationState | undefined;
    if (definition.iteration) {
      try {
        iterationState = await savedState(envelope, definition, this.options.records);
        // Saved by a newer version of the job: its cursor may mean something this worker cannot read.
        if (iterationState.version > definition.version) return this.holdNewerVersion(job, queue, envelope, definition, attempt, iterationState.version);
        iterationState = upgradeState(iterationState, definition, definition.iteration);
      } catch (error) {
        return this.deadLetter(job, queue, envelope, "saved cursor could not be upgraded", error, attempt);
      }
    }

    const { flowControl } = this.options;
    if (flowControl?.applies(queue, definition)) {
      const held = await this.admitFlow(job, log, queue, definition, envelope, args, attempt, flowControl);
      if (held) return;
    }

    let slot: ConcurrencySlot | undefined;
    if (definition.concurrency) {
      let key: string;
      try {
        key = concurrencyStoreKey(definition.name, definition.concurrency, args);
      } catch (error) {
        return this.deadLetter(job, queue, envelope, "concurrency key could not be computed", error, attempt);
      }
      slot = await takeConcurrencySlot(this.options.coordination, key, definition.concurrency, envelope.id, log);
      // Every slot is taken: offer the job again later rather than spin on the store. The copy keeps this
      // attempt number, so waiting does not count as an attempt but a crash before it still does.
      if (!slot) {
        const retryAt = slotRetryAt(definition.concurrency);
        await this.options.records?.held(envelope, attempt - 1, retryAt, "concurrency");
        return this.redelivery.postpone(queue, message, { ...envelope, attempt }, retryAt);
      }
    }
    // From here a store call may throw (the coordination store unreachable): the slot taken must not outlive this
    // admission, or its renewals would keep the key full for as long as the process runs.
    try {
      // A workflow's job sent twice (two finishers at once, or a crash between its send and its mark) runs one copy at a
      // time: a copy arriving while another runs waits, then finds it succeeded (committed) and is dropped unrun.
      let committed = false;
      if (envelope.meta[SENT_ONCE_META_KEY] !== undefined && this.options.batches) {
        const taken = await this.options.batches.runAlone(envelope, this.options.leaseMs, log);
        if ("held" in taken) {
          await slot?.release();
          const retryAt = Date.now() + Math.round(Math.min(1000, this.options.leaseMs / 4) * (0.5 + Math.random()));
          log.info("another copy of this batch callback or chain step is running; offering this one again later");
          await this.options.records?.held(envelope, attempt - 1, retryAt, "concurrency");
          return this.redelivery.postpone(queue, message, { ...envelope, attempt }, retryAt);
        }
        if ("committed" in taken) committed = true;
        else job.runClaim = taken.claim;
      }
      const { records } = this.options;
      // Known at once when the receive started the record (no await, no promise per job).
      const started = records?.start(envelope, attempt, message);
      if (records && started !== true && !(await started)) {
        await slot?.release();
        log.info("job cancelled before it started; dropping it");
        // A cancel asked while an earlier copy ran leaves the record running or retrying: end it here.
        await this.finishInBatch(job, log, envelope, "failed");
        await records.settleAndAck(message, records.cancelledRecord(envelope, attempt));
        return releaseUnique(this.options.coordination, envelope, log);
      }
      if (definition.unique?.until === "started") await releaseUnique(this.options.coordination, envelope, log);
      if (envelope.meta[SENT_ONCE_META_KEY] !== undefined && this.options.batches && (committed || (await this.options.batches.sentAndSucceeded(envelope)))) {
        log.info("a copy of a batch callback or chain step that already succeeded; dropping it");
        await slot?.release();
        // Committed by a copy that may have died before its bookkeeping: done again here (idempotent) before the ack.
        if (committed) await this.options.batches.finished(envelope, "succeeded");
        return this.ackRecording(message, (writer) => writer.succeededRecord(envelope, attempt, "null"));
      }

      if (!(await this.leaseHeldAfterAdmission(job, log))) {
        await slot?.release();
        return;
      }
      return this.start(job, log, queue, definition, envelope, attempt, args, runAtMs, slot, iterationState);
    } catch (error) {
      await slot?.release();
      throw error;
    }
  }

  /** The job is admitted: its run starts (body released, history counted, batch and flow fields set). */
  private start(job: InFlightJob, log: RunLog, queue: string, definition: JobDefinition, envelope: Envelope, attempt: number, args: unknown, runAtMs: number | undefined, slot: ConcurrencySlot | undefined, iterationState: IterationState | undefined): JobRun {
    const { message } = job;
    if (message.releaseBody) {
      // The body goes once the job starts: what is sent or shown after perform is re-encoded from the envelope,
      // so the job gets its own copy of plain-JSON args parsed into the envelope (it may change them).
      if (args === envelope.args) args = copyPlainJson(args);
      message.releaseBody();
    }
    const run = this.startRun(job, log, queue, definition, envelope, attempt, args, slot);
    const { history } = this.options;
    // Only a first attempt's wait is latency: a retry's copy carries its first due time on some backends and not on others.
    if (history && attempt === 1) history.started(queue, runAtMs ?? Date.parse(envelope.enqueuedAt));
    const iteration = definition.iteration && iterationState ? this.startIteration(job, run, definition, definition.iteration, iterationState) : undefined;
    if (iteration) run.iteration = iteration;
    const batch = this.options.batches?.of(envelope, iteration ? () => iteration.position : undefined);
    if (batch) Object.defineProperty(run, "batch", { value: batch, enumerable: true });
    const childResults = envelope.meta[SENT_ONCE_META_KEY] === undefined ? undefined : this.options.batches?.flows.childResultsOf(envelope);
    if (childResults) Object.defineProperty(run, "childResults", { value: childResults, enumerable: true });
    return run;
  }

  /**
   * Perform has returned (`result`) or thrown (`failure`): the outcome is recorded and the message settled. A plain
   * job's success (no records, slot, batch or unique key; not handed back) is its ack's promise itself: an async
   * frame suspended on the ack would keep every local of this function (~700 B of garbage per job).
   */
  private settleRun(run: JobRun, result: unknown, failure: { readonly error: unknown } | undefined): Promise<void> {
    const { job, envelope } = run;
    // From the envelope, not the context's fields: a job may write `ctx.queue` (a plain field), and must not move its own retry or dead letter.
    const queue = envelope.queue;
    const { history, records } = this.options;
    // Returned after its timeout, having ignored the signal: the attempt still fails as timed out.
    const lateTimeout = failure ? undefined : timedOut(run);
    if (lateTimeout) failure = { error: lateTimeout };
    if (history) countOutcome(history, queue, failure);
    if (failure !== undefined || run.slot !== undefined || job.handedBack || this.inBatch(envelope)) return this.settleOutcome(run, result, failure);
    const acked = records === undefined ? job.message.ack() : this.ackSucceeded(records, run, result);
    // A result that cannot be kept, or a flow's parent: settled the long way.
    if (acked === undefined) return this.settleOutcome(run, result, failure);
    const log = run.logger;
    const debug = log.isLevelEnabled("debug");
    if (!debug && envelope.meta[UNIQUE_META_KEY] === undefined) return acked;
    return Promise.resolve(acked).then(() => {
      if (debug) log.debug("job succeeded");
      return releaseUnique(this.options.coordination, envelope, log);
    });
  }

  /**
   * A succeeded job's ack carrying its record, with no frame of this handler's suspended on it (#20); undefined
   * when the long way must settle it (a result the record cannot keep, a flow's parent that writes it first).
   */
  private ackSucceeded(records: RecordWriter, run: JobRun, result: unknown): Promise<void> | undefined {
    const { envelope } = run;
    if (envelope.meta[PARENT_META_KEY] !== undefined) return undefined;
    let kept: string;
    try {
      kept = records.resultOf(result);
    } catch {
      return undefined;
    }
    return records.settleAndAck(run.job.message, records.succeededRecord(envelope, run.attempt, kept));
  }

  /** What `settleRun` waits through: a failure, a record, a concurrency slot, a batch's or a workflow's bookkeeping. */
  private async settleOutcome(run: JobRun, result: unknown, failure: { readonly error: unknown } | undefined): Promise<void> {
    const { job, envelope, attempt, definition, slot } = run;
    const queue = envelope.queue; // not `run.queue`: see settleRun
    const log = run.logger;
    const { message } = job;
    const { records } = this.options;
    // Each await below is taken only when there is something to wait for.
    if (slot) await slot.release();
    if (job.handedBack) return;
    if (failure && isIterationInterrupt(failure.error)) return this.continueLater(job, log, queue, asReceived(run), attempt, failure.error);
    if (failure) return this.afterFailure(job, log, queue, asReceived(run), definition, attempt, failure.error, run.iteration?.progressText);
    if (records) {
      let kept: string;
      try {
        kept = records.resultOf(result);
      } catch (error) {
        // perform already ran: a retry would repeat its effects for a result that still could not be kept.
        return this.discard(job, log, asReceived(run), attempt, "its result cannot be kept in its record", error);
      }
      // A flow's parent reads this result from the record once the bookkeeping below sends it: written first, or the redelivery writes it.
      if (envelope.meta[PARENT_META_KEY] !== undefined) await records.settleStrictly(records.succeededRecord(envelope, attempt, kept));
      // A late copy refused by its run claim's fence: its success is not recorded (the record is the other copy's).
      if (!(await this.finishInBatch(job, log, envelope, "succeeded"))) return message.ack();
      await records.settleAndAck(message, records.succeededRecord(envelope, attempt, kept));
    } else {
      if (this.inBatch(envelope) && !(await this.finishInBatch(job, log, envelope, "succeeded"))) return message.ack();
      await message.ack();
    }
    // Checked first: reading log.debug would make the logger's four line functions for a line nobody writes.
    if (log.isLevelEnabled("debug")) log.debug("job succeeded");
    if (envelope.meta[UNIQUE_META_KEY] !== undefined) await releaseUnique(this.options.coordination, envelope, log);
  }

  /** Everything a perform holds while it runs, in one JobRun: the context, the lease heartbeat, its timeout and cancel watch. */
  private startRun(job: InFlightJob, log: RunLog, queue: string, definition: JobDefinition, envelope: Envelope, attempt: number, args: unknown, slot: ConcurrencySlot | undefined): JobRun {
    const { records } = this.options;
    // Its AbortController is made only if the job reads ctx.signal; its logger (ctx.logger) is the message's RunLog.
    const run = new JobRun(job as InFlightJob & { readonly log: RunLog }, envelope, definition, attempt, this.runShared, args, slot);
    // A shutdown past its bound aborts the runs one by one (the worker sets job.shutdownReason and calls job.run.abort):
    // no listener on a signal shared by every job, whose list would grow (and be searched) with the jobs in flight.
    if (job.shutdownReason !== undefined) run.abort(job.shutdownReason);
    job.run = run;
    // A push platform's signal belongs to this one message.
    if (job.signal?.aborted) run.abort(job.signal.reason);
    else job.signal?.addEventListener("abort", run, { once: true });
    this.heartbeat?.add(run);
    this.runningJobs?.track(envelope.id, run);
    run.deadline = this.startDeadline(job, log, definition, envelope, attempt, run);
    // The run itself is the watch (no object per run; #20).
    records?.watchCancel(run);
    return run;
  }

  private startIteration(job: InFlightJob, run: JobRun, definition: JobDefinition, iteration: ResolvedIteration, state: IterationState): Iteration {
    return startIteration({
      definition,
      iteration,
      state,
      jobId: run.envelope.id,
      records: this.options.records,
      stopping: () => job.stopRequested === true,
      abortReason: () => run.abortReason,
    });
  }

  /**
   * An iterable job stopped at an item boundary (the worker is stopping, or its slice is over): it goes back to the
   * queue carrying its state, with the same attempt, as a hold does: the message itself where the backend can change
   * it in place (keeping its ordering key's place), else a copy, and this one is acked (Redelivery.continueChanged).
   */
  private async continueLater(job: InFlightJob, log: RunLog, queue: string, envelope: Envelope, attempt: number, interrupt: IterationInterrupt): Promise<void> {
    log.info("iterable job stopped at an item boundary; continuing from its cursor", { reason: interrupt.reason });
    await this.options.records?.continued(envelope, attempt);
    // Due at once, whatever the reason: a receive still in flight in a stopping worker that claims it hands it back
    // unstarted, which keeps its attempt (an uncounted nack, or a copy carrying the attempt: Redelivery.handBackUnstarted).
    await this.redelivery.continueChanged(queue, job.message, continuedEnvelope(envelope, envelope.attempt, interrupt.stateText), attempt);
  }

  /** The job's own promise (through the perform middleware, if any), awaited by the caller. */
  private invoke(run: JobRun): Promise<unknown> {
    const { definition, envelope, args } = run;
    const log = run.logger;
    const instance = new definition.jobClass();
    if (this.performMiddleware.length === 0) {
      log.started();
      return instance.perform(args, run);
    }
    // Started inside the middleware: the fields it adds (a trace id) are on the "job started" line.
    return runPerformMiddleware(this.performMiddleware, this.middlewareContext(definition, envelope, args, run, log), async () => {
      log.started();
      return instance.perform(args, run);
    });
  }

  /** What a thrown error counts as: cancelled once a cancel aborted the run, timed out once its deadline did. */
  private failureOf(run: JobRun, thrown: unknown): unknown {
    const { envelope } = run;
    const error = tameThrown(thrown);
    // Whatever the job threw once its signal aborted for a cancel, it ends cancelled rather than retried.
    if (this.options.records?.cancelledWhileRunning(run)) return new JobCancelledError({ jobId: envelope.id, cause: error });
    const timeout = timedOut(run);
    if (timeout === undefined || error === timeout) return error;
    return new JobTimeoutError({ job: timeout.job, jobId: timeout.jobId, timeoutMs: timeout.timeoutMs, cause: error });
  }

  /** Perform has returned or thrown. The slot and the lease were held until now, however long past its timeout. */
  private finishRun(run: JobRun): void {
    const { job } = run;
    run.logger.ended();
    run.deadline?.finish();
    this.runningJobs?.untrack(run.envelope.id, run);
    this.options.records?.unwatchCancel(run);
    this.heartbeat?.delete(run);
    job.signal?.removeEventListener("abort", run);
    job.run = undefined;
    job.performed?.();
  }

  /** Made only when some middleware has a perform hook (it is the one reader of failureOutcome). */
  private middlewareContext(definition: JobDefinition, envelope: Envelope, args: unknown, run: JobRun, log: RunLog): PerformMiddlewareContext {
    const failureOutcome = (error: unknown) => failureOutcomeOf(decideRetry(definition.jobClass.retry, error, run.attempt));
    const origin = this.options.backend.backendOfMessage?.(run.job.message, envelope.queue) ?? this.options.backend;
    return { jobName: definition.name, args, meta: envelope.meta, context: run, backend: origin.name, destination: origin.destinationOf?.(envelope.queue) ?? envelope.queue, failureOutcome, logFields: log.middlewareFields };
  }

  /**
   * Waits for the job's rate-limit slot in process when it starts within a quarter
   * lease (at most 1 s), its worker slot lent to other jobs meanwhile, renewing the
   * lease afterwards; otherwise, or when a hold says so, re-delays the job as a copy
   * with the same attempt (the way slot waits go), so a push platform sees a delivery
   * that succeeded. True when the job must not run now.
   */
  private async admitFlow(job: InFlightJob, log: RunLog, queue: string, definition: JobDefinition, envelope: Envelope, args: unknown, attempt: number, flowControl: FlowControl): Promise<boolean> {
    const { leaseMs, backend } = this.options;
    const { slotLoans } = job;
    const quarterLeaseMs = Math.min(1000, Math.floor(leaseMs / 4));
    // A worker that has lent its most slots takes only a slot free now: a later one is a delayed copy, not a wait in a slot.
    const maxWaitMs = slotLoans && !slotLoans.canLend() ? 0 : quarterLeaseMs;
    const started = leaseClock();
    const admission = await flowControl.admit(queue, definition, envelope.id, args, maxWaitMs);
    if (admission.invalidKey !== undefined) {
      await this.deadLetter(job, queue, envelope, "rate limit key could not be computed", admission.invalidKey, attempt);
      return true;
    }
    if (job.handedBack) return true;
    if (admission.hold) {
      log.debug("job held", { reason: admission.reason, untilMs: admission.untilMs });
      await this.options.records?.held(envelope, attempt - 1, admission.untilMs, admission.heldBy);
      await this.redelivery.postpone(queue, job.message, { ...envelope, attempt }, admission.untilMs);
      return true;
    }
    const waitMs = admission.waitMs ?? 0;
    if (waitMs >= 1) {
      const lent = slotLoans?.lend(job) === true;
      await abortableSleep(waitMs, job.signal);
      if (lent && !(await slotLoans.reclaim(job, quarterLeaseMs))) {
        if (job.handedBack) return true;
        // Every slot stayed busy: the rate slot goes unused (the limit is never exceeded) and the job goes back, same attempt.
        log.debug("job gave its rate-limit slot up: no worker slot came free");
        await this.options.records?.heldBack(envelope, job.message, Date.now());
        await this.redelivery.postpone(queue, job.message, { ...envelope, attempt }, Date.now());
        return true;
      }
      if (job.handedBack) return true;
      // Paused while it waited: a pause means no job of the queue starts after it is seen, this one included.
      if (job.queuePaused?.(queue)) {
        log.debug("the queue was paused while the job waited for its rate-limit slot; it goes back unstarted");
        await this.options.records?.heldBack(envelope, job.message, Date.now());
        await this.redelivery.postpone(queue, job.message, { ...envelope, attempt }, Date.now());
        return true;
      }
    }
    // A wait of more than an eighth lease may have outlasted the buffer's last renewal's margin: renew before running.
    if (leaseClock() - started > leaseMs / 8 && backend.capabilities.leaseExtension) return !(await this.renewLease(job, log, "waiting for a rate-limit slot"));
    return false;
  }

  /**
   * Before a job whose admission awaited (an async schema, the coordination or record store) starts: no heartbeat
   * held its lease meanwhile, so one more than half gone is renewed first, and one the backend says is gone is not
   * run (another worker may hold the redelivered copy). A slow admission ran a second copy beside the first.
   */
  private async leaseHeldAfterAdmission(job: InFlightJob, log: RunLog): Promise<boolean> {
    const { leaseMs, backend } = this.options;
    if (job.leaseFrom === undefined || !backend.capabilities.leaseExtension || leaseClock() - job.leaseFrom < leaseMs / 2) return true;
    const admissionMs = Math.round(leaseClock() - job.leaseFrom);
    if (await this.renewLease(job, log, "being admitted (a slow schema or store)")) return true;
    // Each copy's admission will take as long, so none would ever run: a setting to change, not a passing failure.
    if (admissionMs >= leaseMs) log.error("admission took longer than the whole lease (an async schema or a store that slow): every copy of this job will be given up the same way; raise the worker's `lease` above it, or make the schema faster", { admissionMs, leaseMs });
    return false;
  }

  /** Renews the lease now; false (the message given up) when the backend says it is gone. */
  private async renewLease(job: InFlightJob, log: RunLog, during: string): Promise<boolean> {
    const sentAt = leaseClock();
    if ((await job.message.extendLease(this.options.leaseMs)) === false) {
      job.handedBack = true;
      log.warn(`lease lost while ${during}; the redelivered copy runs instead`);
      return false;
    }
    // The run's heartbeat counts the lease from here, not from the receive: it would find it overdue.
    job.leaseFrom = sentAt;
    return true;
  }

  /** Aborts the run at its timeout (the envelope's, else the class's), if it has one. */
  private startDeadline(job: InFlightJob, log: RunLog, definition: JobDefinition, envelope: Envelope, attempt: number, run: RunAbort): RunDeadline | undefined {
    const timeoutMs = envelope.timeoutMs ?? definition.timeoutMs;
    if (timeoutMs === undefined) return undefined;
    const { hungJobBound, records } = this.options;
    return startRunDeadline({
      job: definition.name,
      jobId: envelope.id,
      timeoutMs,
      abort: (reason) => run.abort(reason),
      logger: log,
      ...(records && { ignored: async (hung) => records.hung(envelope, attempt, hung.timeoutMs, hung.overrunMs) }),
      ...(hungJobBound && {
        hungBound: {
          afterMs: hungJobBound.afterMs,
          onHung: (run, reported) => {
            // Neither acked nor handed back from here on, whatever it does: the process is about to end under it.
            job.handedBack = true;
            hungJobBound.onHung(run, reported);
          },
        },
      }),
    });
  }

  /** `progressText`: an iterable job's state as far as the failed run got, which its retry copy carries. */
  private async afterFailure(job: InFlightJob, log: RunLog, queue: string, envelope: Envelope, definition: JobDefinition, attempt: number, error: unknown, progressText?: string): Promise<void> {
    if (JobCancelledError.isInstance(error)) {
      log.info("job cancelled while running; not retried");
      await this.finishInBatch(job, log, envelope, "failed");
      await this.ackRecording(job.message, (records) => records.cancelledRecord(envelope, attempt));
      return releaseUnique(this.options.coordination, envelope, log);
    }
    const decision = decideRetry(definition.jobClass.retry, error, attempt);
    if (decision.action === "discard") {
      await this.discard(job, log, envelope, attempt, decision.reason, error);
    } else if (decision.action === "dead") {
      await this.deadLetter(job, queue, envelope, decision.reason, error, attempt);
    } else if (decision.countsAsAttempt) {
      log.info("job failed; retrying", { delayMs: decision.delayMs, error, ...this.argsField(envelope) });
      await this.options.records?.settle(this.options.records.failedRecord(envelope, attempt, "retrying", error, Date.now() + decision.delayMs));
      // The state this run got to, not the one it started from: nothing it finished runs again.
      if (progressText === undefined) await this.redelivery.retry(queue, job.message, envelope, attempt, decision.delayMs);
      else await this.redelivery.retry(queue, job.message, envelope, attempt, decision.delayMs, continuedEnvelope(envelope, envelope.attempt, progressText));
    } else {
      await this.options.records?.settle(this.options.records.failedRecord(envelope, attempt, "retrying", error, Date.now() + decision.delayMs));
      await this.redelivery.postpone(queue, job.message, progressText === undefined ? { ...envelope, attempt } : continuedEnvelope(envelope, attempt, progressText), Date.now() + decision.delayMs);
    }
  }

  /** Ends the job without a retry or a dead letter; its record says `failed`. */
  private async discard(job: InFlightJob, log: RunLog, envelope: Envelope, attempt: number, reason: string, error: unknown): Promise<void> {
    log.warn("job discarded", { reason, error, ...this.argsField(envelope) });
    await this.finishInBatch(job, log, envelope, "failed");
    await this.ackRecording(job.message, (records) => records.failedRecord(envelope, attempt, "failed", error));
    await releaseUnique(this.options.coordination, envelope, log);
  }

  /** `savedVersion`: the version that saved what is too new, the payload's or (an iterable job's) the cursor's. */
  private async holdNewerVersion(job: InFlightJob, queue: string, envelope: Envelope, definition: JobDefinition, attempt: number, savedVersion = envelope.version): Promise<void> {
    const now = Date.now();
    // Every hold starts from a copy that carries the first sighting in meta (a nack holds only a copy made for the hold).
    // A sighting that is no time or lies ahead (a hand-made meta) counts from now, so the hold still ends.
    const carried = envelope.meta[heldSinceKey] ? Date.parse(envelope.meta[heldSinceKey]) : Number.NaN;
    const heldSince = Number.isFinite(carried) && carried <= now ? carried : now;
    if (now - heldSince >= this.options.newerVersionMaxHoldMs) {
      const error = new PayloadVersionError({ job: definition.name, payloadVersion: savedVersion, knownVersion: definition.version });
      return this.deadLetter(job, queue, envelope, "payload version newer than any worker that ran it", error, attempt);
    }
    (job.log ?? this.options.logger).warn("payload is newer than this worker; holding it back for a newer worker", { payloadVersion: savedVersion, knownVersion: definition.version });
    await this.options.records?.held(envelope, attempt - 1, now + this.options.newerVersionRetryMs, "payload-version");
    const held: Envelope = { ...envelope, attempt, meta: { ...envelope.meta, [heldSinceKey]: new Date(heldSince).toISOString() } };
    await this.redelivery.postpone(queue, job.message, held, now + this.options.newerVersionRetryMs);
  }

  private async deadLetter(job: InFlightJob, queue: string, envelope: Envelope | null, reason: string, error: unknown, attempt: number | null): Promise<void> {
    const { backend } = this.options;
    const logger = job.log ?? this.options.logger;
    this.options.history?.dead(queue);
    logger.error("job dead-lettered", { queue, jobId: envelope?.id ?? job.message.id, job: envelope?.job, reason, error, ...(envelope && this.argsField(envelope)) });
    // With an envelope, the raw body is not read (it may be released): a dead letter too large is cut from the envelope re-encoded.
    const deadLetter = buildDeadLetter({ queue, messageId: job.message.id, envelope, body: envelope ? undefined : job.message.body, reason, error, attempt, maxPayloadBytes: backend.capabilities.maxPayloadBytes });
    await sendDeadLetter(backend, deadLetter);
    if (envelope?.queue === queue) await this.finishInBatch(job, logger, envelope, "dead");
    // A misaddressed envelope's id, like its unique key, may belong to another queue's job: its record is not this copy's to write.
    if (envelope?.queue === queue) await this.ackRecording(job.message, (records) => records.failedRecord(envelope, attempt ?? envelope.attempt, "dead", error));
    else await job.message.ack();
    if (envelope?.queue === queue) await releaseUnique(this.options.coordination, envelope, logger);
  }

  /**
   * A batch's job ended: its bookkeeping runs before the ack, so a crash in between redelivers the job and the
   * bookkeeping runs again (it is idempotent). A failure here throws past the ack: the lease redelivers the message.
   * False (and logged) when the run claim's fence refused this copy's end: another copy took the claim after this
   * one's lapsed (a stall past the lease), or one succeeded; none of the job's bookkeeping was done.
   */
  private async finishInBatch(job: InFlightJob, log: Logger, envelope: Envelope, outcome: BatchOutcome): Promise<boolean> {
    const { batches } = this.options;
    if (!batches || !this.inBatch(envelope)) return true;
    if (await batches.finished(envelope, outcome, job.runClaim)) return true;
    log.warn("this copy's end is refused: another copy of this batch callback or chain step took its run claim after this one's lapsed (a stall past the lease), or one already succeeded; its outcome is not counted", { fencedEnd: true, outcome, token: job.runClaim?.token });
    return false;
  }

  /** Whether the job's end is a batch's or a workflow's to count (`finishInBatch` has work to do). */
  private inBatch(envelope: Envelope): boolean {
    return this.options.batches !== undefined && (envelope.meta[BATCH_META_KEY] !== undefined || envelope.meta[SENT_ONCE_META_KEY] !== undefined);
  }

  /** Acks, with the outcome's record when records are on (written by the ack itself where the backend does). */
  private async ackRecording(message: ReceivedMessage, record: (records: RecordWriter) => SettledRecord): Promise<void> {
    const { records } = this.options;
    if (records) await records.settleAndAck(message, record(records));
    else await message.ack();
  }

  /** Args appear in logs only when the application opted in. */
  private argsField(envelope: Envelope): { args?: unknown } {
    return this.options.logArgs ? { args: envelope.args } : {};
  }
}

/**
 * The envelope as it was received, for what is sent or shown after perform (a retry's or a continuation's copy, a
 * dead letter, a log line's args): a job given the envelope's own args object may have changed it, so the body is
 * decoded again then. Only failures pay for it; a success reads no args. A message whose body was released gave
 * the job a copy of its args, so its envelope is as received.
 */
function asReceived(run: JobRun): Envelope {
  const { envelope, args } = run;
  if (args !== envelope.args || typeof args !== "object" || args === null) return envelope;
  return decodeEnvelope(run.job.message.body, { id: envelope.id, queue: envelope.queue });
}

/** The timeout error, when the deadline passing was what aborted the run (not a shutdown, a lost lease or a cancel before it). */
function timedOut(run: JobRun): JobTimeoutError | undefined {
  const error = run.deadline?.error;
  return error !== undefined && run.abortReason === error ? error : undefined;
}

/** A run's outcome in queue history: a cancel or an iteration's stop is neither a completion nor a failure. */
function countOutcome(history: HistorySampler, queue: string, failure: { readonly error: unknown } | undefined): void {
  if (!failure) history.completed(queue);
  else if (!isIterationInterrupt(failure.error) && !JobCancelledError.isInstance(failure.error)) history.failed(queue);
}

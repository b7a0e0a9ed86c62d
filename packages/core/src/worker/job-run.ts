import type { Envelope } from "../envelope/envelope.js";
import { IterationError } from "../errors/iteration-error.js";
import type { IterationContext, IterationSource } from "../iteration/iterable-job.js";
import type { Iteration } from "../iteration/iteration.js";
import type { JobContext } from "../job.js";
import type { ConcurrencySlot } from "../coordination/concurrency-limit.js";
import type { JobDefinition } from "../job-registry.js";
import { progressOutsideRecords } from "../records/progress-outside-records.js";
import type { RecordWriter } from "../records/record-writer.js";
import type { InFlightJob } from "./message-handler.js";
import type { RunDeadline } from "./run-deadline.js";
import type { RunLog } from "./run-log.js";

/** What may abort a run (its deadline, the lease heartbeat, a cancel, a shutdown): the first reason wins. */
export interface RunAbort {
  readonly aborted: boolean;
  abort(reason: unknown): void;
}

/** What every run of one handler shares, held by one reference rather than a field each per run. */
export interface RunShared {
  /** Writes job records (ctx.progress); absent when records are off. */
  readonly records: RecordWriter | undefined;
  /** The heartbeat renewing the runs' leases, asked by `signal` whether a lease has run out; absent when leases cannot be extended. */
  readonly leaseWatch: { checkOverdue(run: JobRun): void } | undefined;
  /** Where perform's outcome goes (`settleWhenPerformed`). */
  readonly outcome: { fulfilled(run: JobRun, result: unknown): void; rejected(run: JobRun, error: unknown): void };
}

/**
 * One perform: the `JobContext` the job gets and the state the worker keeps for
 * it, in one object, so a held job costs one allocation rather than a closure
 * per concern. Its AbortController is made only when `signal` is first read; an
 * abort (kept with the rare state) that came before that is applied as it is made, so a job that reads its
 * signal late still finds it aborted with the first reason. The worker's state
 * is in private fields: a job that logs or serializes its context sees only the
 * context (no envelope, args or message, and no cycle).
 */
export class JobRun implements IterationContext, RunAbort {
  // The context's fixed members are plain fields: an own accessor costs each run an Object.defineProperty
  // (a runtime call, ~0.15 µs each), a field a word of heap.
  readonly jobId: string;
  readonly jobName: string;
  readonly queue: string;
  /** The message's logger (`ctx.logger`), the RunLog the handler made for it. */
  readonly logger: RunLog;
  readonly attempt: number;
  readonly #job: InFlightJob;
  readonly #envelope: Envelope;
  readonly #definition: JobDefinition;
  readonly #args: unknown;
  readonly #shared: RunShared;
  #leaseHeldUntil = 0;
  #renewalSentAt = 0;
  /** What most runs never have (a timeout, a cancel watch, a read signal…), in one object made for the first of them. */
  #rare: RareRunState | undefined = undefined;

  /** `job.log` is the run's logger (`ctx.logger`): set before the run starts. */
  constructor(job: InFlightJob & { readonly log: RunLog }, envelope: Envelope, definition: JobDefinition, attempt: number, shared: RunShared, args: unknown, slot: ConcurrencySlot | undefined) {
    this.jobId = envelope.id;
    this.jobName = definition.name;
    // The queue is the receiving one (a misaddressed envelope never runs).
    this.queue = envelope.queue;
    this.logger = job.log;
    this.attempt = attempt;
    this.#job = job;
    this.#envelope = envelope;
    this.#definition = definition;
    this.#args = args;
    this.#shared = shared;
    if (slot) this.rareState().slot = slot;
    for (const [name, descriptor] of contextAccessors) Object.defineProperty(this, name, descriptor);
  }

  /**
   * The job's id as its envelope has it, for the record writes and the cancel watch: `jobId` is a plain
   * field the job can write, and a write must not point them at another job's record. A getter with no
   * setter: an assignment to it throws rather than shadowing it.
   */
  get envelopeId(): string {
    return this.#envelope.id;
  }

  /** What every run of its handler shares. */
  get shared(): RunShared {
    return this.#shared;
  }

  // Private by TypeScript, not `#`: a `#` method would cost every run a brand slot.
  private rareState(): RareRunState {
    this.#rare ??= {};
    return this.#rare;
  }

  get signal(): AbortSignal {
    // A process that stalled past the lease may wake here, before the heartbeat's timer: the job sees the loss now.
    // The heartbeat keeps its times on its own clock (LeaseHeartbeat.now), so it compares them.
    if (!this.aborted && this.#leaseHeldUntil !== 0) this.#shared.leaseWatch?.checkOverdue(this);
    const rare = this.rareState();
    if (!rare.controller) {
      rare.controller = new AbortController();
      if (rare.aborted) rare.controller.abort(rare.aborted.reason);
    }
    return rare.controller.signal;
  }

  get enqueuedAt(): Date {
    const rare = this.rareState();
    rare.enqueuedAt ??= new Date(this.#envelope.enqueuedAt);
    return rare.enqueuedAt;
  }

  // A function of its own (made when first read), so `const { progress } = context` keeps working.
  get progress(): JobContext["progress"] {
    const rare = this.rareState();
    rare.progress ??= (value) => {
      const { records } = this.#shared;
      return records ? records.progress(this.#envelope.id, value) : progressOutsideRecords(value);
    };
    return rare.progress;
  }

  /** The worker's hold on the message this run came from. */
  get job(): InFlightJob {
    return this.#job;
  }

  /** What the run needs that the job's context must not show: the envelope, the job's definition, its args. */
  get envelope(): Envelope {
    return this.#envelope;
  }

  get definition(): JobDefinition {
    return this.#definition;
  }

  get args(): unknown {
    return this.#args;
  }

  /** The job's concurrency slot (`static concurrency`), released once perform is done. */
  get slot(): ConcurrencySlot | undefined {
    return this.#rare?.slot;
  }

  /** When the lease was last renewed (or the run started), on this process's clock; read by the shared heartbeat. Kept on the job (one number per held job, not two). */
  get leaseFrom(): number {
    return this.#job.leaseFrom ?? 0;
  }

  set leaseFrom(value: number) {
    this.#job.leaseFrom = value;
  }

  /** Until when the lease is surely held, on this process's clock: the send time of the last confirmed renewal plus a lease. */
  get leaseHeldUntil(): number {
    return this.#leaseHeldUntil;
  }

  set leaseHeldUntil(value: number) {
    this.#leaseHeldUntil = value;
  }

  /** The last lease renewal failed (the server unreachable?): the heartbeat gives up once the lease runs short. */
  get renewalFailing(): boolean {
    return this.#rare?.renewalFailing === true;
  }

  set renewalFailing(value: boolean) {
    if (value || this.#rare) this.rareState().renewalFailing = value;
  }

  /** When the oldest renewal not yet answered was sent (0: none is out); read by the shared heartbeat. */
  get renewalSentAt(): number {
    return this.#renewalSentAt;
  }

  set renewalSentAt(value: number) {
    this.#renewalSentAt = value;
  }

  /** Its timeout, if it has one. */
  get deadline(): RunDeadline | undefined {
    return this.#rare?.deadline;
  }

  set deadline(value: RunDeadline | undefined) {
    if (value || this.#rare) this.rareState().deadline = value;
  }

  /** Its steps, when the job is an IterableJob. */
  get iteration(): Iteration | undefined {
    return this.#rare?.iteration;
  }

  set iteration(value: Iteration | undefined) {
    if (value || this.#rare) this.rareState().iteration = value;
  }

  // Methods rather than per-run closures: a plain job's run allocates nothing for them.
  iterate<Item, Cursor>(name: string, source: IterationSource<Item, Cursor>, each: (item: Item, cursor: Cursor) => Promise<void> | void): Promise<void> {
    return this.iterationOf("iterate").iterate(name, source, each);
  }

  step(name: string, fn: () => Promise<void> | void): Promise<void> {
    return this.iterationOf("step").step(name, fn);
  }

  private iterationOf(kind: string): Iteration {
    const iteration = this.#rare?.iteration;
    if (iteration) return iteration;
    throw new IterationError({ job: this.jobName, field: `context.${kind}`, message: "is for jobs that extend IterableJob (from @hopper/core), which checkpoint their steps: extend IterableJob instead of Job" });
  }

  get aborted(): boolean {
    return this.#rare?.aborted !== undefined;
  }

  /** Why the run was aborted (the first reason), else undefined. */
  get abortReason(): unknown {
    return this.#rare?.aborted?.reason;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    // Kept in the rare state (most runs are never aborted), boxed: `undefined` may be a reason.
    const rare = this.rareState();
    rare.aborted = { reason };
    rare.controller?.abort(reason);
  }

  /** As an `abort` listener on a push platform's own signal for this one message (no closure needed). */
  handleEvent(event: Event): void {
    this.abort((event.target as AbortSignal).reason);
  }
}

/**
 * Hands perform's outcome to the run's handler (`RunShared.outcome`) once `performing` settles. The reaction's
 * two functions are bound to the run, not closures: two bound functions (48 bytes each, no context) rather than
 * two closures and the context they share (160 bytes), for as long as the job runs.
 */
export function settleWhenPerformed(run: JobRun, performing: Promise<unknown>): void {
  performing.then(fulfilled.bind(run), rejected.bind(run));
}

function fulfilled(this: JobRun, result: unknown): void {
  this.shared.outcome.fulfilled(this, result);
}

function rejected(this: JobRun, error: unknown): void {
  this.shared.outcome.rejected(this, error);
}

interface RareRunState {
  /** Set by the first abort, with its reason. */
  aborted?: { readonly reason: unknown };
  controller?: AbortController;
  enqueuedAt?: Date;
  progress?: JobContext["progress"];
  slot?: ConcurrencySlot | undefined;
  renewalFailing?: boolean;
  deadline?: RunDeadline | undefined;
  iteration?: Iteration | undefined;
}

// `{ ...context }` and Object.keys see own enumerable properties only: the lazy members are own accessors too, with
// the prototype's getter functions (no closure per run; V8 shares one shape across runs, so an accessor costs
// the object no slot).
const contextAccessors: readonly (readonly [string, PropertyDescriptor])[] = (["signal", "enqueuedAt", "progress"] as const).map((name) => [
  name,
  { enumerable: true, get: Object.getOwnPropertyDescriptor(JobRun.prototype, name)!.get },
]);

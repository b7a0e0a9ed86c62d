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

/** A records cancel watch (RecordWriter.watchCancel). */
export interface CancelWatch {
  requested(): boolean;
  stop(): void;
}

/**
 * One perform: the `JobContext` the job gets and the state the worker keeps for
 * it, in one object, so a held job costs one allocation rather than a closure
 * per concern. Its AbortController is made only when `signal` is first read; an
 * abort that came before that is applied as it is made, so a job that reads its
 * signal late still finds it aborted with the first reason. The worker's state
 * is in private fields: a job that logs or serializes its context sees only the
 * context (no envelope, args or message, and no cycle).
 */
export class JobRun implements IterationContext, RunAbort {
  readonly attempt: number;
  readonly logger: RunLog;
  readonly #job: InFlightJob;
  readonly #envelope: Envelope;
  readonly #definition: JobDefinition;
  readonly #args: unknown;
  readonly #records: RecordWriter | undefined;
  /** The first abort's reason; `notAborted` until then. */
  #reason: unknown = notAborted;
  #leaseHeldUntil = 0;
  #renewalSentAt = 0;
  #leaseWatch: { checkOverdue(run: JobRun): void } | undefined = undefined;
  /** What most runs never have (a timeout, a cancel watch, a read signal…), in one object made for the first of them. */
  #rare: RareRunState | undefined = undefined;

  constructor(job: InFlightJob, envelope: Envelope, definition: JobDefinition, attempt: number, logger: RunLog, records: RecordWriter | undefined, args: unknown, slot: ConcurrencySlot | undefined) {
    this.attempt = attempt;
    this.logger = logger;
    this.#job = job;
    this.#envelope = envelope;
    this.#definition = definition;
    this.#args = args;
    this.#records = records;
    if (slot) this.#rareState().slot = slot;
    for (const [name, descriptor] of contextAccessors) Object.defineProperty(this, name, descriptor);
  }

  // Read from what the run holds anyway (the queue is the receiving one: a misaddressed envelope never runs).
  get jobId(): string {
    return this.#envelope.id;
  }

  get jobName(): string {
    return this.#definition.name;
  }

  get queue(): string {
    return this.#envelope.queue;
  }

  #rareState(): RareRunState {
    this.#rare ??= {};
    return this.#rare;
  }

  get signal(): AbortSignal {
    // A process that stalled past the lease may wake here, before the heartbeat's timer: the job sees the loss now.
    if (!this.aborted && this.#leaseHeldUntil > 0 && Date.now() >= this.#leaseHeldUntil) this.#leaseWatch?.checkOverdue(this);
    const rare = this.#rareState();
    if (!rare.controller) {
      rare.controller = new AbortController();
      if (this.aborted) rare.controller.abort(this.#reason);
    }
    return rare.controller.signal;
  }

  get enqueuedAt(): Date {
    const rare = this.#rareState();
    rare.enqueuedAt ??= new Date(this.#envelope.enqueuedAt);
    return rare.enqueuedAt;
  }

  // A function of its own (made when first read), so `const { progress } = context` keeps working.
  get progress(): JobContext["progress"] {
    const rare = this.#rareState();
    rare.progress ??= (value) => (this.#records ? this.#records.progress(this.jobId, value) : progressOutsideRecords(value));
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

  /** The heartbeat renewing this run's lease, asked by `signal` whether the lease has run out. */
  set leaseWatch(value: { checkOverdue(run: JobRun): void } | undefined) {
    this.#leaseWatch = value;
  }

  /** The last lease renewal failed (the server unreachable?): the heartbeat gives up once the lease runs short. */
  get renewalFailing(): boolean {
    return this.#rare?.renewalFailing === true;
  }

  set renewalFailing(value: boolean) {
    if (value || this.#rare) this.#rareState().renewalFailing = value;
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
    if (value || this.#rare) this.#rareState().deadline = value;
  }

  /** Its record's cancel watch, when records are on. */
  get cancelWatch(): CancelWatch | undefined {
    return this.#rare?.cancelWatch;
  }

  set cancelWatch(value: CancelWatch | undefined) {
    if (value || this.#rare) this.#rareState().cancelWatch = value;
  }

  /** Its steps, when the job is an IterableJob. */
  set iteration(value: Iteration | undefined) {
    if (value || this.#rare) this.#rareState().iteration = value;
  }

  // Methods rather than per-run closures: a plain job's run allocates nothing for them.
  iterate<Item, Cursor>(name: string, source: IterationSource<Item, Cursor>, each: (item: Item, cursor: Cursor) => Promise<void> | void): Promise<void> {
    return this.#iterationOf("iterate").iterate(name, source, each);
  }

  step(name: string, fn: () => Promise<void> | void): Promise<void> {
    return this.#iterationOf("step").step(name, fn);
  }

  #iterationOf(kind: string): Iteration {
    const iteration = this.#rare?.iteration;
    if (iteration) return iteration;
    throw new IterationError({ job: this.jobName, field: `context.${kind}`, message: "is for jobs that extend IterableJob (from @hopper/core), which checkpoint their steps: extend IterableJob instead of Job" });
  }

  get aborted(): boolean {
    return this.#reason !== notAborted;
  }

  /** Why the run was aborted (the first reason), else undefined. */
  get abortReason(): unknown {
    return this.aborted ? this.#reason : undefined;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.#reason = reason;
    this.#rare?.controller?.abort(reason);
  }

  /** As an `abort` listener on a push platform's own signal for this one message (no closure needed). */
  handleEvent(event: Event): void {
    this.abort((event.target as AbortSignal).reason);
  }
}

const notAborted = Symbol("not aborted");

interface RareRunState {
  controller?: AbortController;
  enqueuedAt?: Date;
  progress?: JobContext["progress"];
  slot?: ConcurrencySlot | undefined;
  renewalFailing?: boolean;
  deadline?: RunDeadline | undefined;
  cancelWatch?: CancelWatch | undefined;
  iteration?: Iteration | undefined;
}

// `{ ...context }` and Object.keys see own enumerable properties only: the lazy members, and those read from
// what the run holds anyway (jobId, jobName, queue: no field of their own), are own accessors too, with the
// prototype's getter functions (no closure per run; V8 shares one shape across runs, so an accessor costs
// the object no slot).
const contextAccessors: readonly (readonly [string, PropertyDescriptor])[] = (["jobId", "jobName", "queue", "signal", "enqueuedAt", "progress"] as const).map((name) => [
  name,
  { enumerable: true, get: Object.getOwnPropertyDescriptor(JobRun.prototype, name)!.get },
]);

import type { Backend, ReceivedMessage } from "../backend/backend.js";
import type { BackendConnection } from "../backend-connection.js";
import type { BatchBook } from "../batches/batches.js";
import type { FlowControl } from "../flow-control/flow-control.js";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { ShutdownError } from "../errors/shutdown-error.js";
import { toMilliseconds, toPositiveMilliseconds, toPositiveTimerMilliseconds, toTimerMilliseconds, type Duration } from "../duration.js";
import type { JobRegistry } from "../job-registry.js";
import type { Logger } from "../logger.js";
import type { Middleware } from "../middleware.js";
import type { RecordWriter } from "../records/record-writer.js";
import { optionKeysOf, rejectUnknownOptions } from "../option-keys.js";
import { onShutdownSignals } from "../shutdown-signals.js";
import { exitForHungJob, runEveryBeforeExit, takePartInExits } from "./hung-job-exit.js";
import { MessageHandler, type InFlightJob } from "./message-handler.js";
import { PrefetchBuffer, renewalIntervalMs } from "./prefetch-buffer.js";
import { PrefetchTarget, defaultPrefetchBytes, prefetchLimit } from "./prefetch-target.js";
import { QueueIntake, sleep } from "./queue-intake.js";
import { Redelivery } from "./redelivery.js";
import { selectQueues, type QueueOrder, type QueueSelection } from "./queue-selection.js";
import { ReceiveBudget } from "./receive-budget.js";
import { PauseWatch } from "../flow-control/pause-watch.js";
import { SlotLoans } from "./slot-loans.js";
import { StartedJob, type JobSlots } from "./started-job.js";
import type { HungRun } from "./run-deadline.js";
import { WorkerPresence } from "./worker-registry.js";
import { HistoryRecorder } from "../history/history-recorder.js";

export interface WorkerOptions {
  /**
   * Queues to take jobs from; default: every queue of the registered jobs. A list shares the worker equally
   * (or in strict order with `order: "strict"`); an object of weights shares it by weight under saturation,
   * as Sidekiq's `-q critical,6`: `{ critical: 6, default: 2, low: 1 }`.
   */
  readonly queues?: readonly string[] | Readonly<Record<string, number>>;
  /**
   * "strict": a lower queue is asked only when every higher one (earlier in the list) answered empty, and
   * buffered jobs start highest queue first. "weighted" (the default): shares by the weights, 1 each for a list.
   */
  readonly order?: QueueOrder;
  /** How often the worker reads the queues' paused flags from the coordination store. Default "1s". */
  readonly pauseCheck?: Duration;
  /**
   * How often the worker writes its entry in the worker registry (`hopper.workers`); the entry lives for
   * three heartbeats, so a killed worker vanishes from the list within that. Default "5s".
   */
  readonly heartbeat?: Duration;
  /** Jobs run at once in this process. Default 10. */
  readonly concurrency?: number;
  /**
   * Most messages held beyond the running jobs (received ahead, leases renewed while they wait, handed back on
   * stop), so fast jobs cost a receive per half a buffer rather than one each. The buffer holds about a quarter
   * second of work at the recent pace (and half of `prefetchBytes` in bodies), up to this many; at most 200 before
   * the worker has seen a job's run time. 0 receives only for free slots. Default: the backend's (PostgreSQL 1000),
   * else 200.
   */
  readonly prefetch?: number;
  /**
   * Most body text held in the buffer, counted in characters (a byte each in memory for ASCII and Latin-1 text, two
   * otherwise). A receive is sized from the bodies seen before it; what one brings beyond this bound goes back at once,
   * unstarted, the last received first. The messages the free slots start are kept and not counted against it (with
   * several queues, the free slots no other queue's buffered messages wait for), and so is one message when nothing
   * else is buffered (a body larger than the bound alone still runs).
   * Default 64 MiB (67108864).
   */
  readonly prefetchBytes?: number;
  /** How long a received job stays invisible to other workers; renewed while it runs. Default "30s". */
  readonly lease?: Duration;
  /** Longest a receive waits for a job (long polling), at least 10 ms. Default "5s". */
  readonly pollWait?: Duration;
  /** Default bound for `stop()`. Default "25s". */
  readonly shutdownTimeout?: Duration;
  /** Stop gracefully on SIGTERM and SIGINT while `run()` is active. Default true. */
  readonly handleSignals?: boolean;
  /** How often a payload newer than this worker is offered again. Default "1m". */
  readonly newerVersionRetry?: Duration;
  /** After this long unrun, a too-new payload goes to the dead letters. Default "1h". */
  readonly newerVersionMaxHold?: Duration;
  /**
   * For a supervised process (systemd, Kubernetes, a PaaS) that restarts it: once a job has run this
   * long past its timeout while ignoring its signal, stop gracefully and exit the process with code
   * HUNG_JOB_EXIT_CODE (70), leaving the hung job unacked for another worker. Default: never exit.
   */
  readonly exitOnHungJob?: Duration;
}

interface WorkerDependencies {
  readonly connection: BackendConnection;
  readonly registry: JobRegistry;
  readonly middleware: readonly Middleware[];
  readonly logger: Logger;
  readonly coordination: CoordinationStore;
  readonly logArgs?: boolean;
  readonly records?: RecordWriter;
  readonly flowControl?: FlowControl;
  /** Batch bookkeeping before a batch's job is acked. */
  readonly batches?: BatchBook;
}

/** How long a shutdown waits for an aborted run to stop before it leaves the run its lease (see handBackOnceStopped). */
const shutdownAbortGraceMs = 1000;
/** The longest buffered jobs start, one ending starting the next, before the worker lets the event loop turn. */
const startingTurnMs = 10;
const workerOptionKeys = optionKeysOf<WorkerOptions>({ queues: true, order: true, pauseCheck: true, heartbeat: true, concurrency: true, prefetch: true, prefetchBytes: true, lease: true, pollWait: true, shutdownTimeout: true, handleSignals: true, newerVersionRetry: true, newerVersionMaxHold: true, exitOnHungJob: true });

/**
 * Takes jobs from queues and runs them, `concurrency` at a time, holding up to
 * `prefetch` more received ahead. `stop()` stops receiving, hands the buffered
 * messages back at once, lets running jobs finish within a bound, then aborts
 * the rest through their signal and hands them back to the queue.
 */
export class Worker {
  private readonly selection: QueueSelection;
  private readonly pauseCheckMs: number;
  private readonly presence: WorkerPresence;
  /** Queue history: counted in memory per job, written once per bucket. */
  private readonly history: HistoryRecorder;
  private readonly concurrency: number;
  /** The `prefetch` option; absent, the backend's default (known once it is open). */
  private readonly prefetch: number | undefined;
  private readonly prefetchBytes: number;
  /** Messages received ahead of a free slot, per queue; made once the backend (and so its lease bounds) is known. */
  private buffers = new Map<string, PrefetchBuffer>();
  private readonly leaseMs: number;
  private readonly pollWaitMs: number;
  private readonly shutdownTimeoutMs: number;
  private readonly newerVersionRetryMs: number;
  private readonly newerVersionMaxHoldMs: number;
  private readonly exitOnHungJobMs: number | undefined;
  /** Set once a hung job past `exitOnHungJob` ends the process; `run()` never resolves before that exit. */
  private hungJobExit: Promise<void> | undefined;
  private readonly inFlight = new Set<InFlightJob>();
  /** Give-backs of buffered messages still on their way (a stop waits for them). */
  private readonly givingBack = new Set<Promise<void>>();
  /** Started jobs whose outcome is not settled yet, and who waits for none to be left (a shutdown). */
  private unsettled = 0;
  private readonly allSettledWaiters: (() => void)[] = [];
  /** Runs a shutdown aborted, waited on before their messages go back (handBackOnceStopped). */
  private readonly whenStopped = new Map<InFlightJob, () => void>();
  private readonly receiving = new AbortController();
  private running: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  /** The receive loops; a shutdown waits for them, so a receive that returns late cannot start jobs after it. */
  private receiveLoops: Promise<unknown> = Promise.resolve();
  /** Set once the backend is open, before anything is buffered. */
  private unstarted: Redelivery | undefined;
  private unstartedLeaseMs = 0;
  /** What the started jobs report to; set once the backend is open. */
  private slots: JobSlots | undefined;
  /** Set while buffered jobs wait for the event loop to turn so that a due receive goes out first (startBuffered). */
  private startsAfterTurn: NodeJS.Immediate | undefined;
  /** The reservation (receive) the last such wait let out: at most one wait per receive. */
  private waitedAtReservation = -1;
  /** When buffered jobs began starting without a wait for the event loop (startBuffered); unset once the buffer ran dry. */
  private startingSince: number | undefined;

  constructor(
    private readonly dependencies: WorkerDependencies,
    private readonly options: WorkerOptions = {},
  ) {
    rejectUnknownOptions(options, workerOptionKeys, "worker()", "worker.");
    this.selection = selectQueues(options.queues ?? [...new Set(dependencies.registry.all.map((definition) => definition.queue))], options.order);
    this.pauseCheckMs = toPositiveTimerMilliseconds(options.pauseCheck ?? "1s", "worker.pauseCheck");
    const concurrency = options.concurrency ?? 10;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
      throw new ConfigurationError({ field: "worker.concurrency", message: `must be an integer from 1 to 10000, got ${JSON.stringify(concurrency)}` });
    }
    this.concurrency = concurrency;
    const prefetch = options.prefetch;
    if (prefetch !== undefined && (!Number.isSafeInteger(prefetch) || prefetch < 0 || prefetch > 10_000)) {
      throw new ConfigurationError({ field: "worker.prefetch", message: `must be an integer from 0 to 10000 (messages held beyond the running jobs; 0 fetches only for free slots), got ${JSON.stringify(prefetch)}` });
    }
    this.prefetch = prefetch;
    const prefetchBytes = options.prefetchBytes ?? defaultPrefetchBytes;
    if (!Number.isSafeInteger(prefetchBytes) || prefetchBytes < 1) {
      throw new ConfigurationError({ field: "worker.prefetchBytes", message: `must be a positive integer (characters of message bodies held beyond the running jobs, e.g. 16 * 1024 * 1024), got ${JSON.stringify(prefetchBytes)}` });
    }
    this.prefetchBytes = prefetchBytes;
    this.leaseMs = toPositiveTimerMilliseconds(options.lease ?? "30s", "worker.lease");
    this.pollWaitMs = toTimerMilliseconds(options.pollWait ?? "5s", "worker.pollWait");
    // At 0 an idle worker asks its backend again at once, without end: thousands of receives a second on Redis, and
    // on memory:// a loop that starves every timer and signal of the process.
    if (this.pollWaitMs < 10) throw new ConfigurationError({ field: "worker.pollWait", message: `must be at least 10ms (how long an idle receive waits for a job), got ${JSON.stringify(options.pollWait)}` });
    this.shutdownTimeoutMs = toTimerMilliseconds(options.shutdownTimeout ?? "25s", "worker.shutdownTimeout");
    // A zero re-offer interval would republish a too-new payload in a tight loop.
    this.newerVersionRetryMs = toPositiveMilliseconds(options.newerVersionRetry ?? "1m", "worker.newerVersionRetry");
    this.newerVersionMaxHoldMs = toMilliseconds(options.newerVersionMaxHold ?? "1h", "worker.newerVersionMaxHold");
    this.exitOnHungJobMs = options.exitOnHungJob === undefined ? undefined : toPositiveTimerMilliseconds(options.exitOnHungJob, "worker.exitOnHungJob");
    this.presence = new WorkerPresence({
      coordination: dependencies.coordination,
      logger: dependencies.logger,
      queues: this.selection.queues,
      concurrency,
      jobs: Object.fromEntries(dependencies.registry.all.map((definition) => [definition.name, definition.version])),
      heartbeatMs: toPositiveTimerMilliseconds(options.heartbeat ?? "5s", "worker.heartbeat"),
      running: () => this.inFlight.size,
    });
    this.history = new HistoryRecorder({ coordination: dependencies.coordination, logger: dependencies.logger });
  }

  /** Runs until `stop()` (or SIGTERM/SIGINT) and resolves once shut down. */
  run(): Promise<void> {
    this.running ??= this.runLoops();
    return this.running;
  }

  /** Graceful shutdown; idempotent. */
  stop(options: { timeout?: Duration } = {}): Promise<void> {
    const timeoutMs = options.timeout === undefined ? this.shutdownTimeoutMs : toTimerMilliseconds(options.timeout, "stop.timeout");
    this.stopping ??= this.shutDown(timeoutMs);
    return this.stopping;
  }

  /** Jobs running right now. */
  get activeCount(): number {
    return this.inFlight.size;
  }

  /** Messages received ahead and not started yet. */
  get bufferedCount(): number {
    return this.bufferedTotal();
  }

  private async runLoops(): Promise<void> {
    // Signals first: a SIGTERM while the backend is still unreachable must stop the wait.
    const removeSignalHandlers = this.options.handleSignals === false ? () => {} : onShutdownSignals(this.dependencies.logger, "worker", () => this.stop());
    // In the registry while waiting for the backend too: an operator sees a worker that cannot connect.
    this.presence.start();
    this.history.start();
    // Any hung job's exit, this worker's or another Hopper's in this process, ends this worker's runs too.
    const leaveExits = takePartInExits(this.dependencies);
    try {
      const backend = await this.dependencies.connection.waitUntilOpen(this.receiving.signal, this.dependencies.logger);
      if (backend && (await this.checkCoordination())) {
        await this.dependencies.records?.check();
        await this.receiveUntilStopped(backend);
      }
      await this.stop();
      // An application that exits with 0 once run() returns must not get there first.
      await this.hungJobExit;
    } finally {
      removeSignalHandlers();
      // Not before every run has ended: a run that ignored the stop's abort still goes on, and an exit ends it too.
      void this.allJobsSettled().then(leaveExits);
      await Promise.all([this.presence.stop(), this.history.stop()]);
    }
  }

  /**
   * Jobs with a concurrency limit need the coordination store: find out now, not one failed job at a time.
   * A store that is not configured is refused at once; one that does not answer (its server restarting)
   * is waited for with backoff, as the backend is. False when stop() came first.
   */
  private async checkCoordination(): Promise<boolean> {
    const { flowControl } = this.dependencies;
    const limited = this.dependencies.registry.all.some(
      (definition) => (definition.concurrency !== undefined && this.selection.queues.includes(definition.queue)) || this.selection.queues.some((queue) => flowControl?.limitFor(queue, definition) !== undefined),
    );
    if (!limited) return true;
    for (let delayMs = 500; !this.receiving.signal.aborted; delayMs = Math.min(delayMs * 2, 15_000)) {
      try {
        await this.dependencies.coordination.advance("hopper:coordination-check");
        return true;
      } catch (error) {
        if (ConfigurationError.isInstance(error)) throw error;
        this.dependencies.logger.error(`cannot reach the coordination store; retrying in ${delayMs} ms`, { error });
        await sleep(delayMs, this.receiving.signal);
      }
    }
    return false;
  }

  private async receiveUntilStopped(backend: Backend): Promise<void> {
    const { leaseExtension } = backend.capabilities;
    // The backend would grant less (Pub/Sub's ack deadline stops at 600 s): the first renewal, due at 3/8 of the
    // lease asked, would come after the lease granted ended, and a second copy would run beside the first.
    if (leaseExtension && this.leaseMs > leaseExtension.maxLeaseMs) {
      throw new ConfigurationError({ field: "worker.lease", message: `must be at most ${leaseExtension.maxLeaseMs / 1000}s on ${backend.name} (its longest lease), got ${this.leaseMs / 1000}s: a job running longer keeps its lease by renewals, so a shorter lease is enough` });
    }
    const leaseMs = Math.max(this.leaseMs, backend.capabilities.minLeaseMs);
    this.unstarted = new Redelivery(backend);
    this.unstartedLeaseMs = leaseMs;
    const handler = new MessageHandler({
      backend,
      registry: this.dependencies.registry,
      middleware: this.dependencies.middleware,
      logger: this.dependencies.logger,
      coordination: this.dependencies.coordination,
      logArgs: this.dependencies.logArgs === true,
      leaseMs,
      newerVersionRetryMs: this.newerVersionRetryMs,
      newerVersionMaxHoldMs: this.newerVersionMaxHoldMs,
      ...(this.exitOnHungJobMs !== undefined && { hungJobBound: { afterMs: this.exitOnHungJobMs, onHung: (run: HungRun, reported: Promise<void>) => this.exitForHungJob(run, reported) } }),
      ...(this.dependencies.records && { records: this.dependencies.records }),
      ...(this.dependencies.flowControl && { flowControl: this.dependencies.flowControl }),
      ...(this.dependencies.batches && { batches: this.dependencies.batches }),
      history: this.history.sampler,
    });
    const prefetch = prefetchLimit(backend.capabilities, this.prefetch);
    const target = new PrefetchTarget(prefetch, this.concurrency, this.prefetchBytes, backend.capabilities.maxPayloadBytes);
    const budget = new ReceiveBudget(this.concurrency, () => this.bufferedTotal(), () => target.value);
    // The budget lets a worker hold up to `concurrency` plus twice the target (ReceiveBudget.room); buffered beyond
    // that is excess (a margin of a whole target, so the moving average's dips give nothing back), shared among the
    // queues' buffers by what each holds. Looked at once per renewal of each buffer.
    const renewEveryMs = renewalIntervalMs(leaseMs);
    const beyondTarget = (size: number) => {
      const now = performance.now();
      target.noteRunning(this.longestRunningMs(now), now, renewEveryMs);
      const held = this.bufferedTotal();
      const excess = held - 2 * target.keepable(now) - this.concurrency;
      return excess <= 0 ? 0 : Math.ceil((excess * size) / held);
    };
    const onAdded = (messages: readonly ReceivedMessage[]) => {
      // The first bodies seen, smaller than the largest payload the target assumed: the buffer may be topped up at once.
      if (target.recordBodies(messages)) budget.topUp();
    };
    const bodyCharsOverBound = () => this.bufferedBodyChars() - this.prefetchBytes;
    // A buffer keeps for free slots only those the other buffers' messages do not wait for already (each buffer sees
    // the same free slots), and one message only when nothing else is buffered.
    const keptForSlots = (buffer: PrefetchBuffer) => {
      const others = this.bufferedTotal() - buffer.size;
      return Math.max(others === 0 ? 1 : 0, this.concurrency - budget.running - others);
    };
    for (const queue of this.selection.queues) {
      const giveBack = (messages: readonly ReceivedMessage[]) => this.trackGiveBack(this.handBackUnstarted(queue, messages));
      this.buffers.set(queue, new PrefetchBuffer({ leaseMs, renewLeases: prefetch > 0, logger: this.dependencies.logger, onDropped: () => budget.changed(), beyondTarget, giveBack, onAdded, bodyCharsOverBound, keptForSlots }));
    }
    const pauses = new PauseWatch(this.dependencies.coordination, this.selection.queues, this.pauseCheckMs, this.dependencies.logger);
    const queues: QueueIntake = new QueueIntake({
      selection: this.selection,
      backend,
      leaseMs,
      pollWaitMs: this.pollWaitMs,
      budget,
      buffers: this.buffers,
      logger: this.dependencies.logger,
      isPaused: (queue) => pauses.isPaused(queue),
      handBack: (queue, messages) => this.handBackUnstarted(queue, messages),
      receiveOptions: this.dependencies.records?.receiveOptions,
      onBuffered: () => this.startBuffered(intake),
    });
    const loans = new SlotLoans(this.concurrency, budget, () => this.startBuffered(intake));
    const slots = this.jobSlots(budget, target, loans, () => intake, pauses);
    this.slots = slots;
    const intake: Intake = { handler, budget, queues, loans, slots };
    pauses.onChange(() => {
      // Buffered jobs of a paused queue go back to it unstarted (for whichever worker runs after the resume).
      for (const [queue, buffer] of this.buffers) if (pauses.isPaused(queue)) this.trackGiveBack(this.handBackUnstarted(queue, buffer.drain()));
      budget.changed();
      queues.pausesChanged();
      this.startBuffered(intake);
    });
    await pauses.start();
    let stoppedReceiving: (() => void) | undefined;
    try {
      // A backend holding messages for its receivers (SQS FIFO's group lines) gives them back once its last worker stops.
      stoppedReceiving = backend.receiveFrom?.(this.selection.queues);
      this.receiveLoops = queues.run(this.receiving.signal);
      await this.receiveLoops;
    } finally {
      pauses.stop();
      stoppedReceiving?.();
    }
  }

  /**
   * Starts buffered messages while slots are free; never once stop() has begun (the buffer goes back instead).
   * Once the budget has room for a receive, or a receive was made since the last wait, the next starts wait for
   * the event loop to turn: fast jobs end in microtasks and each ending starts the next buffered one, so the
   * receive, a chain of microtasks itself, would queue behind every running job's and go out only once the
   * buffer is empty (at concurrency 50 it did, every time), leaving the worker a round trip with nothing to run.
   * A receive already made may not have sent its request either: a driver may send it from process.nextTick
   * (pg-pool hands out an idle connection so), which runs only once the microtask queue is empty (PostgreSQL's
   * claims went out with the buffer empty, every time). At most one wait per receive: a loop that makes none
   * (paused queues, long polls outside the budget) must not hold the buffer back turn after turn.
   * Starts also wait for a turn once they have gone on `startingTurnMs` since the last such wait or since the buffer
   * ran dry: a buffer of quick jobs is otherwise one chain of microtasks, and on a busy CPU it held the worker's timers
   * (its buffered leases' renewals, its running jobs' heartbeats) back long enough for buffered messages to lose
   * their leases. Turns the loop took by itself meanwhile are not seen (watching for them would cost a callback a
   * turn): at worst a start waits one turn more than it had to, once per `startingTurnMs`.
   */
  private startBuffered(intake: Intake): void {
    const { budget, queues, handler, loans, slots } = intake;
    // Jobs that lent their slot while waiting for a rate slot were received already: they come back first, stopping or not.
    loans.serve();
    if (this.startsAfterTurn) return;
    while (budget.running < this.concurrency && !this.receiving.signal.aborted) {
      const from = queues.nextToStart();
      if (from === undefined) {
        this.startingSince = undefined;
        return;
      }
      // The receive a wait now would let out: the one due (the next reservation), else the last one made.
      const receive = budget.reservations + (budget.receiveDue() ? 1 : 0);
      if (receive > this.waitedAtReservation) {
        this.waitedAtReservation = receive;
        this.startAfterTurn(intake);
        budget.changed();
        return;
      }
      if (this.startingTooLong()) {
        this.startAfterTurn(intake);
        return;
      }
      const next = this.buffers.get(from)!.take();
      // Every buffered message of that queue had lost its lease (dropped): look again.
      if (!next) continue;
      const { message, queue, leaseFrom } = next;
      queues.countStart(queue);
      budget.running += 1;
      const job = new StartedJob(message, leaseFrom, slots);
      this.inFlight.add(job);
      this.unsettled += 1;
      // The handler never throws, and tells the job when it is done (job.settled).
      handler.handle(job, queue);
    }
  }

  /** Starts the buffered jobs again once the event loop has turned (its timers and I/O had their go). */
  private startAfterTurn(intake: Intake): void {
    this.startsAfterTurn = setImmediate(() => {
      this.startsAfterTurn = undefined;
      this.startBuffered(intake);
    });
  }

  /** Whether starts have gone on longer than `startingTurnMs` since the last wait it asked for (then the count restarts). */
  private startingTooLong(): boolean {
    const now = performance.now();
    if (this.startingSince === undefined) {
      this.startingSince = now;
      return false;
    }
    if (now - this.startingSince <= startingTurnMs) return false;
    this.startingSince = undefined;
    return true;
  }

  /** What a started job reports back: its slot freed (perform done), its outcome settled. One per worker, not closures per job. */
  private jobSlots(budget: ReceiveBudget, target: PrefetchTarget, loans: SlotLoans, intake: () => Intake, pauses: PauseWatch): JobSlots {
    return {
      loans,
      isPaused: (queue) => pauses.isPaused(queue),
      stopRequested: false,
      shutdownReason: undefined,
      slotFreed: (job) => {
        this.inFlight.delete(job);
        // Only a shutdown past its bound waits on runs: no map work per job otherwise.
        if (this.whenStopped.size > 0) {
          this.whenStopped.get(job)?.();
          this.whenStopped.delete(job);
        }
        // A job that gave its wait up while its slot was lent holds none.
        if (!loans.settle(job)) budget.running -= 1;
        budget.settling += 1;
        const endedAt = performance.now();
        target.recordRun(endedAt - job.startedAt, endedAt);
        this.startBuffered(intake());
        budget.changed();
      },
      jobSettled: () => {
        budget.settling -= 1;
        this.unsettled -= 1;
        if (this.unsettled === 0) for (const wake of this.allSettledWaiters.splice(0)) wake();
        // A receive may have waited for this ack to land (the budget counts settling jobs).
        budget.changed();
      },
    };
  }

  /** Resolves once every started job's outcome is settled. */
  private allJobsSettled(): Promise<void> {
    if (this.unsettled === 0) return Promise.resolve();
    return new Promise((resolve) => this.allSettledWaiters.push(resolve));
  }

  private async shutDown(timeoutMs: number): Promise<void> {
    this.receiving.abort();
    // Iterable jobs stop at their next item boundary and go back with their cursor; other jobs are not told.
    if (this.slots) this.slots.stopRequested = true;
    // Buffered messages go back at once, for other workers; none of them has started.
    const bufferHandedBack = Promise.all([...this.buffers].map(([queue, buffer]) => this.handBackUnstarted(queue, buffer.drain())));
    const timer = new AbortController();
    // What the stop waits on, and what becomes of it if the timeout comes first (named in the log).
    let waitingOn = { what: "the last receive to return", then: "a message it leased returns to its queue when its lease ends" };
    const allSettled = async () => {
      // Loops first: a receive still returning may add jobs (or hand them back) before it ends.
      await this.receiveLoops.catch(() => {});
      waitingOn = { what: "the backend to take back unstarted jobs (a hand-back)", then: "a message not yet taken back returns to its queue when its lease ends" };
      await bufferHandedBack;
      // What buffers gave back before the stop (beyond their target or prefetchBytes) lands before close() may follow.
      await Promise.all(this.givingBack);
      waitingOn = { what: "finished jobs' acks to land", then: "a job whose ack has not landed may run again when its lease ends" };
      await this.allJobsSettled();
    };
    const timedOut = await Promise.race([allSettled().then(() => false), sleep(timeoutMs, timer.signal).then(() => !timer.signal.aborted)]);
    timer.abort();
    // With jobs still running, the warning below says what happens to them; without, say what the stop gave up on.
    if (timedOut && this.inFlight.size === 0) {
      this.dependencies.logger.warn(`shutdown timeout reached while waiting for ${waitingOn.what}; the worker stops without it: ${waitingOn.then}`, { timeoutMs });
    }
    if (timedOut && this.inFlight.size > 0) {
      this.dependencies.logger.warn("shutdown timeout reached; handing running jobs back to the queue", { jobs: this.inFlight.size });
      // A job whose lease is lost is not ours to hand back: its message may be leased elsewhere.
      const handingBack = [...this.inFlight].filter((job) => !job.handedBack);
      for (const job of handingBack) {
        job.handedBack = true;
        job.log?.warn("shutdown timeout reached; handing the job back to the queue");
      }
      // Each run's own signal, one by one (a job not yet performing gets it as it starts): nothing shared to listen on.
      const reason = new ShutdownError();
      if (this.slots) this.slots.shutdownReason = reason;
      for (const job of this.inFlight) job.run?.abort(reason);
      await Promise.all(handingBack.map((job) => this.handBackOnceStopped(job)));
    }
  }

  /**
   * A message goes back only once its aborted run has stopped: another worker may take the copy at once, and
   * must not run it beside a run still finishing (a job's cleanup after its signal takes time, more on a loaded
   * machine). A run that has not stopped within a grace keeps its lease (the heartbeat renews it while it runs)
   * and goes back when it ends; if the process exits first, the lease lapses and the job is redelivered then.
   */
  private async handBackOnceStopped(job: InFlightJob): Promise<void> {
    const stopped = this.inFlight.has(job) ? new Promise<void>((resolve) => this.whenStopped.set(job, resolve)) : Promise.resolve();
    const grace = new AbortController();
    const inTime = await Promise.race([stopped.then(() => true), sleep(shutdownAbortGraceMs, grace.signal).then(() => false)]);
    grace.abort();
    if (!inTime) {
      job.log?.error("the job did not stop within its abort at shutdown; it keeps its lease and goes back to the queue once it ends (or, if this process exits first, once its lease lapses)", { graceMs: shutdownAbortGraceMs });
      void stopped.then(() => this.handBack([job.message]));
      return;
    }
    await this.handBack([job.message]);
  }

  /** Once, for the first hung job past the bound; others hung meanwhile stay unacked too. */
  private exitForHungJob(run: HungRun, reported: Promise<void>): void {
    const { logger, middleware } = this.dependencies;
    this.hungJobExit ??= exitForHungJob(run, { logger, stop: () => this.stop(), shutdownTimeoutMs: this.shutdownTimeoutMs, reported, beforeExit: () => runEveryBeforeExit({ middleware, logger }) });
  }

  /** How long the oldest running job has run by `now` (0 when none runs). */
  private longestRunningMs(now: number): number {
    let oldest = Infinity;
    for (const job of this.inFlight) if (job instanceof StartedJob && job.startedAt < oldest) oldest = job.startedAt;
    return oldest === Infinity ? 0 : now - oldest;
  }

  private bufferedTotal(): number {
    let total = 0;
    for (const buffer of this.buffers.values()) total += buffer.size;
    return total;
  }

  private trackGiveBack(handingBack: Promise<void>): void {
    this.givingBack.add(handingBack);
    void handingBack.finally(() => this.givingBack.delete(handingBack));
  }

  private bufferedBodyChars(): number {
    let total = 0;
    for (const buffer of this.buffers.values()) total += buffer.bodyChars;
    return total;
  }

  /** Jobs that never started go back keeping their attempt (a deploy must not spend a job's retries). */
  private async handBackUnstarted(queue: string, messages: readonly ReceivedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.unstarted!.handBackUnstarted(queue, messages, this.unstartedLeaseMs).catch((error: unknown) =>
      this.dependencies.logger.error("hand-back failed; the lease will redeliver the jobs", { queue, jobs: messages.length, error }),
    );
  }

  private async handBack(messages: readonly ReceivedMessage[]): Promise<void> {
    await Promise.all(
      messages.map(async (message) => {
        await message.nack({ retryAfterMs: 0 }).catch((error: unknown) => this.dependencies.logger.error("hand-back failed; the lease will redeliver the job", { jobId: message.id, error }));
      }),
    );
  }

}

/** What starting buffered jobs needs once the backend is open. */
interface Intake {
  readonly handler: MessageHandler;
  readonly budget: ReceiveBudget;
  readonly queues: QueueIntake;
  readonly loans: SlotLoans;
  readonly slots: JobSlots;
}

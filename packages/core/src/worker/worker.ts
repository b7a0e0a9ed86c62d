import type { Backend, ReceivedMessage } from "../backend/backend.js";
import type { BackendConnection } from "../backend-connection.js";
import type { FlowControl } from "../flow-control/flow-control.js";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { ShutdownError } from "../errors/shutdown-error.js";
import { toMilliseconds, toPositiveMilliseconds, type Duration } from "../duration.js";
import type { JobRegistry } from "../job-registry.js";
import type { Logger } from "../logger.js";
import type { Middleware } from "../middleware.js";
import { validateQueueName } from "../names.js";
import type { RecordWriter } from "../records/record-writer.js";
import { rejectUnknownOptions } from "../option-keys.js";
import { onShutdownSignals } from "../shutdown-signals.js";
import { exitForHungJob } from "./hung-job-exit.js";
import { MessageHandler, type InFlightJob } from "./message-handler.js";
import { PrefetchBuffer } from "./prefetch-buffer.js";
import { PrefetchTarget } from "./prefetch-target.js";
import { ReceiveBudget } from "./receive-budget.js";
import type { HungRun } from "./run-deadline.js";

export interface WorkerOptions {
  /** Queues to take jobs from; default: every queue of the registered jobs. */
  readonly queues?: readonly string[];
  /** Jobs run at once in this process. Default 10. */
  readonly concurrency?: number;
  /**
   * Most messages held beyond the running jobs (received ahead, leases renewed while they wait, handed back on
   * stop), so fast jobs cost a receive per half a buffer rather than one each. The buffer holds about a quarter
   * second of work at the recent pace, up to this many. 0 receives only for free slots. Default 200.
   */
  readonly prefetch?: number;
  /** How long a received job stays invisible to other workers; renewed while it runs. Default "30s". */
  readonly lease?: Duration;
  /** Longest a receive waits for a job (long polling). Default "5s". */
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
}

const receiveErrorBackoffMs = 1000;
const defaultPrefetch = 200;
const workerOptionKeys = ["queues", "concurrency", "prefetch", "lease", "pollWait", "shutdownTimeout", "handleSignals", "newerVersionRetry", "newerVersionMaxHold", "exitOnHungJob"] as const satisfies readonly (keyof WorkerOptions)[];

/**
 * Takes jobs from queues and runs them, `concurrency` at a time, holding up to
 * `prefetch` more received ahead. `stop()` stops receiving, hands the buffered
 * messages back at once, lets running jobs finish within a bound, then aborts
 * the rest through their signal and hands them back to the queue.
 */
export class Worker {
  private readonly queues: readonly string[];
  private readonly concurrency: number;
  private readonly prefetch: number;
  /** Messages received ahead of a free slot; made once the backend (and so its lease bounds) is known. */
  private buffer: PrefetchBuffer | undefined;
  private readonly leaseMs: number;
  private readonly pollWaitMs: number;
  private readonly shutdownTimeoutMs: number;
  private readonly newerVersionRetryMs: number;
  private readonly newerVersionMaxHoldMs: number;
  private readonly exitOnHungJobMs: number | undefined;
  /** Set once a hung job past `exitOnHungJob` ends the process; `run()` never resolves before that exit. */
  private hungJobExit: Promise<void> | undefined;
  private readonly inFlight = new Set<InFlightJob>();
  private readonly settling = new Set<Promise<void>>();
  private readonly receiving = new AbortController();
  /** The signal of every running job: aborted when a shutdown runs out of time. */
  private readonly aborting = new AbortController();
  private running: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  /** The receive loops; a shutdown waits for them, so a receive that returns late cannot start jobs after it. */
  private receiveLoops: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dependencies: WorkerDependencies,
    private readonly options: WorkerOptions = {},
  ) {
    rejectUnknownOptions(options, workerOptionKeys, "worker()", "worker.");
    const queues = options.queues ?? [...new Set(dependencies.registry.all.map((definition) => definition.queue))];
    if (!Array.isArray(queues) || queues.length === 0) {
      throw new ConfigurationError({ field: "worker.queues", message: "give at least one queue name, e.g. worker({ queues: [\"default\"] })" });
    }
    this.queues = queues.map((queue, index) => validateQueueName(queue, `worker.queues[${index}]`));
    const concurrency = options.concurrency ?? 10;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
      throw new ConfigurationError({ field: "worker.concurrency", message: `must be an integer from 1 to 10000, got ${JSON.stringify(concurrency)}` });
    }
    this.concurrency = concurrency;
    const prefetch = options.prefetch ?? defaultPrefetch;
    if (!Number.isSafeInteger(prefetch) || prefetch < 0 || prefetch > 10_000) {
      throw new ConfigurationError({ field: "worker.prefetch", message: `must be an integer from 0 to 10000 (messages held beyond the running jobs; 0 fetches only for free slots), got ${JSON.stringify(prefetch)}` });
    }
    this.prefetch = prefetch;
    this.leaseMs = toPositiveMilliseconds(options.lease ?? "30s", "worker.lease");
    this.pollWaitMs = toMilliseconds(options.pollWait ?? "5s", "worker.pollWait");
    this.shutdownTimeoutMs = toMilliseconds(options.shutdownTimeout ?? "25s", "worker.shutdownTimeout");
    // A zero re-offer interval would republish a too-new payload in a tight loop.
    this.newerVersionRetryMs = toPositiveMilliseconds(options.newerVersionRetry ?? "1m", "worker.newerVersionRetry");
    this.newerVersionMaxHoldMs = toMilliseconds(options.newerVersionMaxHold ?? "1h", "worker.newerVersionMaxHold");
    this.exitOnHungJobMs = options.exitOnHungJob === undefined ? undefined : toPositiveMilliseconds(options.exitOnHungJob, "worker.exitOnHungJob");
  }

  /** Runs until `stop()` (or SIGTERM/SIGINT) and resolves once shut down. */
  run(): Promise<void> {
    this.running ??= this.runLoops();
    return this.running;
  }

  /** Graceful shutdown; idempotent. */
  stop(options: { timeout?: Duration } = {}): Promise<void> {
    const timeoutMs = options.timeout === undefined ? this.shutdownTimeoutMs : toMilliseconds(options.timeout, "stop.timeout");
    this.stopping ??= this.shutDown(timeoutMs);
    return this.stopping;
  }

  /** Jobs running right now. */
  get activeCount(): number {
    return this.inFlight.size;
  }

  /** Messages received ahead and not started yet. */
  get bufferedCount(): number {
    return this.buffer?.size ?? 0;
  }

  private async runLoops(): Promise<void> {
    // Signals first: a SIGTERM while the backend is still unreachable must stop the wait.
    const removeSignalHandlers = this.options.handleSignals === false ? () => {} : onShutdownSignals(this.dependencies.logger, "worker", () => this.stop());
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
      (definition) => (definition.concurrency !== undefined && this.queues.includes(definition.queue)) || this.queues.some((queue) => flowControl?.limitFor(queue, definition) !== undefined),
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
    const leaseMs = Math.max(this.leaseMs, backend.capabilities.minLeaseMs);
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
      ...(this.exitOnHungJobMs !== undefined && { hungJobBound: { afterMs: this.exitOnHungJobMs, onHung: (run: HungRun) => this.exitForHungJob(run) } }),
      ...(this.dependencies.records && { records: this.dependencies.records }),
      ...(this.dependencies.flowControl && { flowControl: this.dependencies.flowControl }),
    });
    // A buffered message must keep its lease while it waits; a backend that cannot extend one gets no buffer.
    const prefetch = backend.capabilities.leaseExtension ? this.prefetch : 0;
    const target = new PrefetchTarget(prefetch, this.concurrency);
    const budget = new ReceiveBudget(this.concurrency, () => buffer.size, () => target.value);
    const buffer = new PrefetchBuffer({ leaseMs, renewLeases: prefetch > 0, logger: this.dependencies.logger, onDropped: () => budget.changed() });
    this.buffer = buffer;
    const intake: Intake = { backend, handler, leaseMs, budget, buffer, target };
    this.receiveLoops = Promise.all(this.queues.map((queue) => this.receiveLoop(intake, queue)));
    await this.receiveLoops;
  }

  private async receiveLoop(intake: Intake, queue: string): Promise<void> {
    const { backend, budget, buffer, leaseMs } = intake;
    const signal = this.receiving.signal;
    while (!signal.aborted) {
      const reserved = await budget.reserve(backend.capabilities.maxReceiveBatch, signal);
      if (reserved === 0) break;
      let messages;
      try {
        messages = await backend.receive({ queue, maxMessages: reserved, waitMs: this.pollWaitMs, leaseMs, signal });
      } catch (error) {
        budget.unreserve(reserved);
        if (signal.aborted) break;
        this.dependencies.logger.error("receive failed; retrying", { queue, error });
        await sleep(receiveErrorBackoffMs, signal);
        continue;
      }
      if (signal.aborted) {
        // Leased as stop() began (a claim that raced the abort): hand them back now rather than start them.
        budget.unreserve(reserved);
        await this.handBack(messages);
        break;
      }
      buffer.add(queue, messages, Date.now());
      budget.unreserve(reserved);
      this.startBuffered(intake);
    }
  }

  /** Starts buffered messages while slots are free; never once stop() has begun (the buffer goes back instead). */
  private startBuffered(intake: Intake): void {
    const { budget, buffer, handler, target } = intake;
    while (budget.running < this.concurrency && !this.receiving.signal.aborted) {
      const next = buffer.take();
      if (!next) return;
      const { message, queue } = next;
      budget.running += 1;
      const startedAt = performance.now();
      // The slot frees as soon as perform is done, so the next job (or receive) goes while this job's ack travels.
      let slotHeld = true;
      const freeSlot = () => {
        if (!slotHeld) return;
        slotHeld = false;
        this.inFlight.delete(job);
        budget.running -= 1;
        target.recordRun(performance.now() - startedAt);
        this.startBuffered(intake);
        budget.changed();
      };
      const job: InFlightJob = { message, signal: this.aborting.signal, handedBack: false, performed: freeSlot };
      this.inFlight.add(job);
      const settled = handler.handle(job, queue).finally(() => {
        freeSlot();
        this.settling.delete(settled);
      });
      this.settling.add(settled);
    }
  }

  private async shutDown(timeoutMs: number): Promise<void> {
    this.receiving.abort();
    // Buffered messages go back at once, for other workers; none of them has started.
    const bufferHandedBack = this.handBack(this.buffer?.drain() ?? []);
    const timer = new AbortController();
    const allSettled = async () => {
      // Loops first: a receive still returning may add jobs (or hand them back) before it ends.
      await this.receiveLoops.catch(() => {});
      await bufferHandedBack;
      await Promise.allSettled([...this.settling]);
    };
    const timedOut = await Promise.race([allSettled().then(() => false), sleep(timeoutMs, timer.signal).then(() => !timer.signal.aborted)]);
    timer.abort();
    if (timedOut && this.inFlight.size > 0) {
      this.dependencies.logger.warn("shutdown timeout reached; handing running jobs back to the queue", { jobs: this.inFlight.size });
      // A job whose lease is lost is not ours to hand back: its message may be leased elsewhere.
      const handingBack = [...this.inFlight].filter((job) => !job.handedBack);
      for (const job of handingBack) job.handedBack = true;
      this.aborting.abort(new ShutdownError());
      await this.handBack(handingBack.map((job) => job.message));
    }
  }

  /** Once, for the first hung job past the bound; others hung meanwhile stay unacked too. */
  private exitForHungJob(run: HungRun): void {
    this.hungJobExit ??= exitForHungJob(run, { logger: this.dependencies.logger, stop: () => this.stop(), shutdownTimeoutMs: this.shutdownTimeoutMs });
  }

  private async handBack(messages: readonly ReceivedMessage[]): Promise<void> {
    await Promise.all(
      messages.map(async (message) => {
        await message.nack({ retryAfterMs: 0 }).catch((error: unknown) => this.dependencies.logger.error("hand-back failed; the lease will redeliver the job", { jobId: message.id, error }));
      }),
    );
  }

}

/** What one worker's receive loops share once the backend is open. */
interface Intake {
  readonly backend: Backend;
  readonly handler: MessageHandler;
  readonly leaseMs: number;
  readonly budget: ReceiveBudget;
  readonly buffer: PrefetchBuffer;
  readonly target: PrefetchTarget;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

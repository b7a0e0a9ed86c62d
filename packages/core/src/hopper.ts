import { randomUUID } from "node:crypto";
import { queueBackend, type Backend } from "./backend/backend.js";
import { adapterOffersCoordination, backendFromUrl, checkBackend, chooseBackendUrl, coordinationStoreFromUrl, knownBackendScheme } from "./backend-url.js";
import { checkRoutes, type RoutesOptions } from "./routing/routes-options.js";
import { openRoutes } from "./routing/open-routes.js";
import { createDefaultCoordinationStore } from "./coordination/default-coordination-store.js";
import { DedupeWindows } from "./coordination/dedupe-windows.js";
import { BackendConnection } from "./backend-connection.js";
import { openFailure, openWithinBound, type ReachBound } from "./backend-reach.js";
import { toPositiveMilliseconds, toPositiveTimerMilliseconds, type Duration } from "./duration.js";
import { checkCoordinationStore } from "./coordination/check-coordination-store.js";
import { FlowControl } from "./flow-control/flow-control.js";
import { PauseWatch } from "./flow-control/pause-watch.js";
import { readQueuePaused } from "./flow-control/queue-pauses.js";
import { pausedQueueHold } from "./flow-control/paused-queue-hold.js";
import { queueRateLimitNeeds, resolveQueueRateLimits, type RateLimitsOptions } from "./flow-control/rate-limit-options.js";
import type { CoordinationStore } from "./coordination/coordination-store.js";
import { createMemoryCoordinationStore } from "./coordination/memory-coordination-store.js";
import { uniqueStoreKey } from "./coordination/unique-jobs.js";
import { concurrencyStoreKey } from "./coordination/concurrency-limit.js";
import { DeadLetters } from "./dead-letters.js";
import { enqueueJobs, type EnqueueDependencies } from "./enqueuer.js";
import { ConfigurationError } from "./errors/configuration-error.js";
import { createWorkers, type Workers } from "./worker/worker-registry.js";
import { createSchedules, type Schedules } from "./scheduling/schedule-list.js";
import { bindJob, unbindJob, type JobEnqueuer } from "./job-binding.js";
import type { EnqueueOptions, JobArgs, JobClass, JobContext, Job } from "./job.js";
import { serializeArgs } from "./envelope/args-serializer.js";
import { JobRegistry, upgradeArgs, validateArgs } from "./job-registry.js";
import { refuseUnmetNeeds } from "./job-needs.js";
import { loggerOption, type Logger } from "./logger.js";
import { checkMiddleware, checkMiddlewareLayer, runPerformMiddleware, type Middleware } from "./middleware.js";
import { optionKeysOf, rejectUnknownOptions } from "./option-keys.js";
import { runMessage, type PushedMessage, type PushOutcome } from "./worker/run-message.js";
import { Worker, type WorkerOptions } from "./worker/worker.js";
import { defineRecurringJob, type RecurringJob, type RecurringJobOptions } from "./scheduling/recurring-job.js";
import { Scheduler, type SchedulerOptions } from "./scheduling/scheduler.js";
import { enqueueTickOnce, settleTick, tickMeta } from "./scheduling/tick-claim.js";
import { openRecords } from "./records/open-records.js";
import { openOutbox } from "./outbox/open-outbox.js";
import { OutboxRelay, type OutboxRelayOptions } from "./outbox/outbox-relay.js";
import type { OutboxStore } from "./outbox/outbox-store.js";
import type { JobRecords } from "./records/job-records.js";
import type { JobEvents } from "./records/job-events.js";
import type { RecordsOptions } from "./records/records-options.js";
import { progressOutsideRecords } from "./records/progress-outside-records.js";
import { createQueues, type Queues } from "./flow-control/queue-admin.js";
import { inProcessIteration } from "./iteration/iteration-run.js";
import { BatchBook, type Batch, type Batches } from "./batches/batches.js";
import type { BatchOptions, JobCall } from "./batches/batch-options.js";
import type { Chain } from "./batches/chains.js";
import type { CreatedFlow, Flow, FlowOptions } from "./batches/flows.js";

export interface HopperOptions {
  /**
   * The backend's URL; when left out, HOPPER_URL. Undefined or empty is an error
   * (never a silent `memory://`): name `memory://` to keep jobs in this process.
   */
  readonly url?: string;
  /** An adapter instance, instead of `url`. */
  readonly backend?: Backend;
  /**
   * Queues that live on another backend than `url`: `{ billing: "sqs://…" }`. Jobs of a routed queue
   * are sent there and workers receive them from there; every other queue stays on `url`. During a
   * migration, `{ q: { url: "postgres://new", drainFrom: ["redis://old"] } }` sends new jobs of `q` to
   * the new backend while workers also take what is left on the old one. A queue's dead letters live
   * with it. Give every process the same routes.
   */
  readonly routes?: RoutesOptions;
  /**
   * How long an enqueue waits for a backend that does not answer (to open it,
   * then between answers while sending) before it fails with
   * BackendUnavailableError. A refused connection fails at once. Default "5s".
   * Workers are not bound by it: they wait for the backend with backoff.
   */
  readonly connectTimeout?: Duration;
  readonly jobs: readonly JobClass[];
  readonly middleware?: readonly Middleware[];
  /** Where Hopper logs; credentials in URLs are redacted before it sees them. Default: stderr at HOPPER_LOG_LEVEL, else "warn". */
  readonly logger?: Logger;
  /**
   * Include job args in the worker's logs of failed, discarded and dead-lettered
   * jobs. Default false: args often hold personal data or secrets.
   */
  readonly logArgs?: boolean;
  /**
   * Where recurring-job ticks, per-key concurrency slots and unique jobs'
   * keys are kept; closed with the Hopper. Default: a store inside this
   * process, which is correct only while one process runs. Give every process
   * the same Redis or PostgreSQL store, whichever backend carries the jobs.
   */
  readonly coordination?: CoordinationStore;
  /**
   * Keep a record of every job (`hopper.jobs`, `ctx.progress`, results): `{}`
   * for the defaults. Off when left out, and then costs nothing. Records live
   * on the backend's server (memory, Redis, PostgreSQL, PGlite); SQS and
   * Pub/Sub need `store`. Give every process the same setting.
   */
  readonly records?: RecordsOptions;
  /**
   * A transactional outbox, for a backend that cannot join your database
   * transactions (Redis, SQS, Pub/Sub): jobs enqueued with
   * `set({ transaction })` are written to the outbox inside that transaction
   * and forwarded after commit by `hopper.relay()`. A postgres:// URL, or a
   * store (createPostgresOutbox, which also takes a PGlite database). With an outbox, every
   * transactional enqueue goes through it.
   */
  readonly outbox?: OutboxStore | string;
  /**
   * Per-queue rate limits in place of the jobs' own `static rateLimit`, or
   * `false` for none on that queue: `{ queues: { payments: { limit: 50, per: "1s" } } }`.
   * Give every process the same setting.
   */
  readonly rateLimits?: RateLimitsOptions;
  /**
   * How long a push handler (sqsd, Lambda, Pub/Sub push) holds a job of a
   * paused queue: the job goes back as a delayed copy due this much later (up
   * to a quarter more, spread), and its delivery is answered as done, so a long
   * pause spends no delivery attempts. After a resume, held push jobs run within
   * about this long. Push handlers read the paused flags at most once a second
   * per process. Workers are not concerned (they skip paused queues). Default "30s".
   */
  readonly pausedPushHold?: Duration;
}

export interface Hopper {
  /** The open backend (opened on first use; a failed open is retried by the next call). Rejects with ConfigurationError or BackendUnavailableError. */
  readonly backend: Promise<Backend>;
  enqueue<J extends Job<any, any>>(jobClass: JobClass<J>, args: JobArgs<J>, options?: EnqueueOptions): Promise<string>;
  enqueueAll<J extends Job<any, any>>(jobClass: JobClass<J>, argsList: readonly JobArgs<J>[], options?: EnqueueOptions): Promise<string[]>;
  worker(options?: WorkerOptions): Worker;
  /** Runs one message a platform pushed (HTTP POST, Lambda record); the answer says whether to delete or redeliver it. */
  runMessage(message: PushedMessage): Promise<PushOutcome>;
  deadLetters(queue: string): DeadLetters;
  /**
   * Pause, resume and list the registered jobs' queues, in every worker sharing the coordination store
   * (SQS and Pub/Sub need `coordination`, else every call rejects with ConfigurationError).
   */
  readonly queues: Queues;
  /** The recurring jobs registered with `schedule`, with their last and next ticks. */
  readonly schedules: Schedules;
  /** The running workers of every process sharing the coordination store, from their heartbeats. */
  readonly workers: Workers;
  /** Look up, wait for and cancel jobs by id; needs `records`, else every call rejects with ConfigurationError. */
  readonly jobs: JobRecords;
  /** Lifecycle changes of every job, from every process sharing the record store; needs `records`. */
  readonly events: JobEvents;
  /**
   * Starts a batch: add jobs to it (`add`, `addAll`, also from its running jobs through `ctx.batch`), then `seal()` it;
   * `onSuccess` is enqueued once when every job succeeded, `onComplete` once when every job finished. Its state is in
   * the coordination store (SQS and Pub/Sub need `coordination`, else this rejects with ConfigurationError).
   * A running job of a batch makes a child batch with `ctx.batch.child()`: its parent waits for it.
   */
  batch(options?: BatchOptions): Promise<Batch>;
  /** Batches by id, for their status (`get(id).status()`). */
  readonly batches: Batches;
  /**
   * Runs the steps one after another, each once the previous one succeeded; a step that fails for good (dead,
   * discarded, cancelled) stops the chain (`status()`: `stopped`, `stoppedAt`). Needs a shared coordination store, as batches do.
   */
  chain(...steps: readonly JobCall[]): Promise<Chain>;
  /** Chains by id, for their status. */
  readonly chains: { get(chainId: string): Chain };
  /**
   * Starts a flow: the children are enqueued at once (on any queue of this Hopper), and the parent once every child
   * succeeded; it reads their results with `ctx.childResults()`. A child that fails for good stops the flow: the parent
   * never runs (`status()`: `stopped`, `stoppedBy`). Needs records (`createHopper({ records: {} })`) and a shared
   * coordination store, as batches do. At least one child; flows do not nest.
   */
  flow(options: FlowOptions): Promise<CreatedFlow>;
  /** Flows by id, for their status. */
  readonly flows: { get(flowId: string): Flow };
  /** Adds a middleware layer (enqueue and perform hooks); before any `worker()` is made, which takes its layers then. */
  use(middleware: Middleware): void;
  /** Registers a recurring job: `jobClass` with `args`, enqueued at each tick of `cron` by the schedulers. */
  schedule<J extends Job<any, any>>(name: string, cron: string, jobClass: JobClass<J>, args: JobArgs<J>, options?: RecurringJobOptions): void;
  /** Forwards the outbox's committed jobs to the backend; run it in any number of processes (one relays at a time). Needs `outbox`. */
  relay(options?: OutboxRelayOptions): OutboxRelay;
  /** Enqueues the scheduled recurring jobs at their ticks; run it in any number of processes. */
  scheduler(options?: SchedulerOptions): Scheduler;
  /**
   * Enqueues the recurring job `name` now, for a platform that keeps the
   * schedule itself (Elastic Beanstalk's cron.yaml names the task). With
   * `scheduledAt` (the platform's tick time) repeated calls for one tick
   * enqueue once and then resolve with null.
   */
  enqueueRecurring(name: string, options?: { scheduledAt?: Date }): Promise<string | null>;
  /** Stops using the backend and unbinds the job classes; idempotent. */
  close(): Promise<void>;
}

// How long a batch's state lives after its last write: a batch must drain within it.
const batchKeepMs = 7 * 24 * 3_600_000;
// As a worker's default pauseCheck.
const pushPauseCheckMs = 1000;

const hopperOptionKeys = optionKeysOf<HopperOptions>({ url: true, backend: true, routes: true, connectTimeout: true, jobs: true, middleware: true, logger: true, logArgs: true, coordination: true, records: true, outbox: true, rateLimits: true, pausedPushHold: true });

export function createHopper(options: HopperOptions): Hopper {
  if (typeof options !== "object" || options === null) throw new ConfigurationError({ field: "options", message: "createHopper takes { url | backend, jobs: [...] }" });
  rejectUnknownOptions(options, hopperOptionKeys, "createHopper");
  if (options.url !== undefined && options.backend !== undefined) throw new ConfigurationError({ field: "url", message: "give url or backend, not both" });
  if (!Array.isArray(options.jobs)) throw new ConfigurationError({ field: "jobs", message: "give the job classes this process enqueues or runs: createHopper({ jobs: [SendEmail] })" });
  const registry = new JobRegistry(options.jobs);
  const queueLimits = resolveQueueRateLimits(options.rateLimits);
  const pausedPushHoldMs = toPositiveMilliseconds(options.pausedPushHold ?? "30s", "pausedPushHold");
  const middleware: Middleware[] = checkMiddleware(options.middleware);
  const logger = loggerOption(options.logger);
  const logArgs = options.logArgs === true;
  const givenBackend = options.backend === undefined ? undefined : checkBackend(options.backend);
  const url = givenBackend ? "" : chooseBackendUrl(options);
  const routes = checkRoutes(options.routes, givenBackend ? undefined : url, knownBackendScheme);
  const reach: ReachBound = { url: givenBackend ? undefined : url, timeoutMs: toPositiveTimerMilliseconds(options.connectTimeout ?? "5s", "connectTimeout") };
  // Once open, an enqueue waits on no open, so it needs no timer for one.
  const openForEnqueue = (): Backend | Promise<Backend> => connection.current() ?? openWithinBound(() => connection.get(), reach);
  // Known once the backend is open: whether `coordination` below is a store every process shares.
  let coordinationShared = false;
  const connection = new BackendConnection(async () => {
    const own = givenBackend ?? (await backendFromUrl(url));
    const backend = await openRoutes(own, givenBackend ? undefined : url, !givenBackend, routes, backendFromUrl).catch(async (error: unknown) => {
      if (!givenBackend) await own.close().catch(() => {});
      throw error;
    });
    try {
      const sharedCoordination = options.coordination !== undefined || backend.capabilities.processLocal === true || (!givenBackend && (await adapterOffersCoordination(url)));
      coordinationShared = sharedCoordination;
      refuseUnmetNeeds(registry.all, backend, sharedCoordination, queueRateLimitNeeds(queueLimits));
    } catch (error) {
      // A backend this Hopper opened is closed again (a routed one closes only what it opened); a given one stays its owner's.
      if (backend !== givenBackend) await backend.close().catch(() => {});
      throw error;
    }
    return backend;
  });
  connection.get().catch(() => {}); // start opening now; errors surface on the first call that needs the backend
  const coordination = options.coordination
    ? checkCoordinationStore(options.coordination)
    : createDefaultCoordinationStore(async () => {
        const backend = await connection.get();
        if (backend.capabilities.processLocal) return createMemoryCoordinationStore();
        const sameServer = givenBackend ? undefined : await coordinationStoreFromUrl(url);
        if (sameServer) return checkCoordinationStore(sameServer);
        throw new ConfigurationError({
          field: "coordination",
          message: `unique jobs, concurrency limits, recurring jobs, queue pauses, queue history and batches need a store every process shares, and the ${backend.name} backend has none of its own: pass createHopper({ coordination: createRedisCoordinationStore({ url }) }) or createPostgresCoordinationStore({ connectionString })`,
        });
      });
  // A store that cannot be read (none shared, or down) reads as not paused: a record is never refused for it.
  const queuePaused = (queue: string) => readQueuePaused(coordination, queue).catch(() => false);
  const records = openRecords(options.records, () => connection.get(), logger, queuePaused);
  const outbox = openOutbox(options.outbox);
  /** Set once a worker was made: its middleware is fixed from then on (see `use`). */
  let workerMade = false;
  const flowControl = new FlowControl({ coordination, queueLimits });
  const dedupeWindows = new DedupeWindows(() => (coordinationShared ? coordination : undefined), logger);
  // Push handlers have no intake to skip a paused queue: they ask this hold before each run instead.
  const knownQueues = () => [...new Set(registry.all.map((definition) => definition.queue))];
  const pushPauses = new PauseWatch(coordination, knownQueues(), pushPauseCheckMs, logger);
  const pushFlowControl = new FlowControl({ coordination, queueLimits, shouldHold: pausedQueueHold(pushPauses, pushPauseCheckMs, pausedPushHoldMs) });
  const schedules = new Map<string, RecurringJob>();
  let closed: Promise<void> | undefined;

  // One per open backend, not one per call.
  let enqueueDependencies: EnqueueDependencies | undefined;
  const dependenciesFor = (backend: Backend): EnqueueDependencies =>
    enqueueDependencies?.backend === backend ? enqueueDependencies : (enqueueDependencies = { backend, middleware, coordination, dedupeWindows, logger, reach, outbox, flowControl, ...records.writing });
  const enqueuer: JobEnqueuer = {
    enqueue(jobClass, argsList, enqueueOptions) {
      // Open, and records off or their store known: nothing to wait on, so the enqueue's own promise is returned as
      // it is (an async function here added a promise and two turns of the microtask queue per call); a refusal
      // still rejects.
      const open = connection.current();
      if (open !== undefined && records.checked()) {
        try {
          return enqueueJobs(dependenciesFor(open), registry.definitionOf(jobClass), argsList, enqueueOptions);
        } catch (error) {
          return Promise.reject(error);
        }
      }
      return (async () => {
        const backend = open ?? (await openForEnqueue());
        // A records setup with no store refuses before the jobs go out, not after.
        if (records.writing.records !== undefined) await records.check();
        return enqueueJobs(dependenciesFor(backend), registry.definitionOf(jobClass), argsList, enqueueOptions);
      })();
    },
    async performNow(jobClass, args) {
      const definition = registry.definitionOf(jobClass);
      const validated = await validateArgs(definition, upgradeArgs(definition, definition.version, args));
      const context: JobContext = { jobId: randomUUID(), jobName: definition.name, queue: definition.queue, attempt: 1, enqueuedAt: new Date(), signal: new AbortController().signal, logger, progress: (value) => progressOutsideRecords(value, "performNow"), ...inProcessIteration(definition) };
      const instance = new definition.jobClass();
      const result = await runPerformMiddleware(middleware, { jobName: definition.name, args: validated, meta: {}, context, logFields: {} }, async () => instance.perform(validated, context));
      return { jobId: context.jobId, result };
    },
  };
  for (const definition of registry.all) bindJob(definition.jobClass, enqueuer);
  const batchBook = new BatchBook({
    coordination,
    registry,
    keepMs: batchKeepMs,
    logger,
    jobs: records.jobs,
    recordsOn: records.writing.records !== undefined,
    async enqueue(definition, argsList, enqueueOptions, meta, ids) {
      const backend = await openForEnqueue();
      await records.check();
      return enqueueJobs({ backend, middleware, coordination, dedupeWindows, logger, reach, outbox, flowControl, ...records.writing }, definition, argsList, enqueueOptions, meta, ids);
    },
  });

  const enqueueTick = async (job: RecurringJob, tickMs: number): Promise<string> => {
    const ready = await openForEnqueue();
    // The backend's own dedupe, where it has one, backs up the tick claim.
    const dedupe = queueBackend(ready, job.enqueueOptions.queue ?? registry.definitionOf(job.jobClass).queue).capabilities.deduplication ? { dedupeKey: `tick:${job.name}:${tickMs}` } : {};
    const ids = await enqueueJobs({ backend: ready, middleware, coordination, dedupeWindows, logger, reach, flowControl, ...records.writing }, registry.definitionOf(job.jobClass), [job.args], { ...job.enqueueOptions, ...dedupe }, tickMeta(job, tickMs));
    return ids[0]!;
  };
  const recurringJob = (name: string): RecurringJob => {
    const job = schedules.get(name);
    if (!job) throw new ConfigurationError({ field: "name", message: `no recurring job is named ${JSON.stringify(name)}: register it with hopper.schedule(${JSON.stringify(name)}, cron, JobClass, args)` });
    return job;
  };

  return {
    get backend() {
      return connection.get().catch((error: unknown) => {
        throw openFailure(error, reach.url, "open");
      });
    },
    enqueue: (jobClass, args, enqueueOptions) => enqueuer.enqueue(jobClass, [args], enqueueOptions ?? {}).then((ids) => ids[0]!),
    enqueueAll: (jobClass, argsList, enqueueOptions) => enqueuer.enqueue(jobClass, argsList, enqueueOptions ?? {}),
    worker: (workerOptions) => {
      workerMade = true;
      return new Worker({ connection, registry, middleware, logger, coordination, logArgs, flowControl, batches: batchBook, ...records.writing }, workerOptions);
    },
    runMessage: async (message) => {
      // Closed (a SIGTERM on its way): nothing can be settled any more, so the platform must deliver it again.
      if (closed) {
        logger.warn("runMessage after close(): not run, answered unsettled so the platform delivers it again; stop taking requests (server.close()) before hopper.close()", { queue: message.queue, id: message.id });
        return { status: "unsettled" };
      }
      const backend = await connection.get();
      records.writing.records?.knowBackend(backend);
      return runMessage({ backend, registry, middleware, logger, coordination, logArgs, flowControl: pushFlowControl, batches: batchBook, ...records.writing }, message);
    },
    deadLetters: (queue) => new DeadLetters(() => connection.get(), queue, (ids) => records.forget(queue, ids)),
    jobs: records.jobs,
    workers: createWorkers(coordination),
    schedules: createSchedules({ schedules: () => [...schedules.values()], registry, coordination }),
    queues: createQueues({ known: knownQueues, coordination, backend: () => connection.get() }),
    events: records.events,
    batch: (batchOptions) => batchBook.create(batchOptions ?? {}),
    batches: batchBook,
    chain: (...steps) => batchBook.chains.create(steps),
    chains: batchBook.chains,
    flow: (flowOptions) => batchBook.flows.create(flowOptions),
    flows: batchBook.flows,
    use: (layer) => {
      // A worker takes its perform hooks when it is made: a layer added later would wrap enqueues and not performs.
      if (workerMade) throw new ConfigurationError({ field: "middleware", message: "use() after hopper.worker(): a worker takes its middleware when it is made, so add every layer before making workers (or pass createHopper({ middleware }))" });
      middleware.push(checkMiddlewareLayer(layer, "middleware"));
    },
    schedule(name, cron, jobClass, args, scheduleOptions) {
      registry.definitionOf(jobClass);
      const job = defineRecurringJob(name, cron, jobClass, args, scheduleOptions);
      if (schedules.has(job.name)) throw new ConfigurationError({ field: "schedule.name", message: `a recurring job is already named ${JSON.stringify(job.name)}` });
      schedules.set(job.name, job);
    },
    relay(relayOptions) {
      if (!outbox) throw new ConfigurationError({ field: "outbox", message: "relay() forwards an outbox, and this Hopper has none: createHopper({ outbox: \"postgres://…\" })" });
      return new OutboxRelay({ outbox, backend: () => connection.get(), logger }, relayOptions);
    },
    scheduler: (schedulerOptions) =>
      new Scheduler(
        {
          schedules: () => [...schedules.values()],
          coordination,
          logger,
          enqueueTick,
          // As each tick's enqueue would: the job's schema, what the envelope can carry, then the keys its enqueue (unique,
          // rate limit) and its run (concurrency) compute from the args: a key function that throws fails at start, not at 03:00.
          checkArgs: async (job) => {
            const definition = registry.definitionOf(job.jobClass);
            const validated = await validateArgs(definition, job.args);
            serializeArgs(job.args);
            if (definition.unique) uniqueStoreKey(definition.name, definition.unique, job.args);
            if (definition.concurrency) concurrencyStoreKey(definition.name, definition.concurrency, job.args);
            flowControl.checkEnqueue(job.enqueueOptions.queue ?? definition.queue, definition, [validated]);
          },
        },
        schedulerOptions,
      ),
    async enqueueRecurring(name, enqueueOptions = {}) {
      const job = recurringJob(name);
      const { scheduledAt } = enqueueOptions;
      if (scheduledAt === undefined) return enqueueTick(job, Date.now());
      if (!(scheduledAt instanceof Date) || Number.isNaN(scheduledAt.getTime())) throw new ConfigurationError({ field: "scheduledAt", message: "must be a valid Date" });
      const claim = { coordination, logger, enqueueTick, claimLeaseMs: 10_000 };
      const outcome = await enqueueTickOnce(claim, job, scheduledAt.getTime());
      if (outcome.status === "taken") return null;
      // The job is out: report it enqueued even if its claim cannot be confirmed (the caller would otherwise send the tick again).
      if (outcome.unsettled) await settleTick(claim, outcome.unsettled).catch((error: unknown) => logger.error("a tick's claim could not be confirmed; a repeat of this tick after the claim lease may enqueue it again", { schedule: name, error }));
      return outcome.jobId;
    },
    close() {
      closed ??= (async () => {
        for (const definition of registry.all) unbindJob(definition.jobClass, enqueuer);
        // Records first: a store on the backend's connection must not outlive it.
        await records.close();
        // A backend that never opened (or failed to) has nothing to close: no new open is started for it.
        await Promise.all([connection.opened()?.then((ready) => ready.close(), () => {}), coordination.close(), outbox?.close()]);
      })();
      return closed;
    },
  };
}

import type { BackendCapabilities, OutgoingMessage } from "../backend/backend.js";
import { toMilliseconds, type Duration } from "../duration.js";
import type { DeadLetter } from "../dead-letters.js";
import { decodeEnvelope, encodeEnvelope, type Envelope } from "../envelope/envelope.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { createHopper, type Hopper, type HopperOptions } from "../hopper.js";
import { bindJob, jobBinding, unbindJob, type JobEnqueuer } from "../job-binding.js";
import { jobNameOf } from "../job-registry.js";
import type { JobClass } from "../job.js";
import type { Middleware } from "../middleware.js";
import { defineRecurringJob, nextTick, type RecurringJob } from "../scheduling/recurring-job.js";
import { checkArgsSurvive } from "./args-survival.js";
import { EnqueuedJobRecord, type EnqueuedJob } from "./enqueued-job.js";
import { assertEnqueued, assertNotEnqueued, findEnqueued, type ArgsMatcher, type EnqueuedOptionsMatcher } from "./enqueued-matcher.js";
import { createTestBackend } from "./recording-backend.js";
import { createTestClock, type TestClock } from "./controllable-clock.js";

export interface TestHopperOptions extends Omit<HopperOptions, "url" | "backend"> {
  /**
   * What the recording backend declares; default the memory backend's. Give
   * your production backend's limits (say `{ priority: false }`) to have
   * options it would refuse refused in tests too.
   */
  readonly capabilities?: Partial<BackendCapabilities>;
}

export interface PerformEnqueuedOptions {
  /** Move the clock to this moment (a Date, or a duration from now), running every job and scheduled tick due on the way. Default: now; the clock stays. */
  readonly until?: Date | Duration;
  /** Run only these jobs; others stay queued. */
  readonly only?: JobClass | readonly JobClass[];
  /** Reject with a job's error when it throws (after its retry is queued, as a worker would). Default true; false lets retries play out on the clock. */
  readonly rethrow?: boolean;
  /** Stop with an error after this many runs: a job that enqueues itself without a delay would loop forever. Default 1000. */
  readonly maxRuns?: number;
}

export interface PerformReport {
  /** Runs that succeeded, in order. */
  readonly performed: EnqueuedJob[];
  /** Runs that threw, in order (with rethrow: false). */
  readonly failed: { readonly job: EnqueuedJob; readonly error: unknown }[];
}

/** A Hopper whose backend records every job instead of sending it anywhere. */
export interface TestHopper extends Hopper {
  readonly clock: TestClock;
  /** Every job enqueued since creation (or `clear()`), in order; filter by class or queue. */
  enqueued(filter?: { job?: JobClass; queue?: string }): EnqueuedJob[];
  /** How many jobs of `jobClass` (or of any class) were enqueued, optionally matching `args` and `options`. */
  enqueuedCount(jobClass?: JobClass, args?: ArgsMatcher, options?: Omit<EnqueuedOptionsMatcher, "count">): number;
  /** Throws an AssertionError listing what was enqueued unless a matching job was (exactly `options.count` of them, when given). Returns the matches. */
  expectEnqueued(jobClass: JobClass, args?: ArgsMatcher, options?: EnqueuedOptionsMatcher): EnqueuedJob[];
  /** Throws an AssertionError listing what was enqueued if a matching job was. */
  expectNotEnqueued(jobClass: JobClass, args?: ArgsMatcher, options?: Omit<EnqueuedOptionsMatcher, "count">): void;
  /** Runs the due jobs inline, through the same handler a worker uses, then the jobs they enqueue; see PerformEnqueuedOptions. */
  performEnqueued(options?: PerformEnqueuedOptions): Promise<PerformReport>;
  /** Forgets the record (not the queues). */
  clear(): void;
}

const testHoppers = new WeakMap<Function, TestHopper>();

/** The test Hopper a job class is registered with, for the standalone assertions. */
export function testHopperOf(jobClass: JobClass): TestHopper {
  const hopper = testHoppers.get(jobClass);
  if (!hopper) throw new ConfigurationError({ field: "jobs", message: `${jobClass.name} is not registered with a test Hopper: createTestHopper({ jobs: [${jobClass.name}] })` });
  return hopper;
}

/**
 * A Hopper for application tests: `Job.performLater` works unchanged, and
 * every job is recorded (with its args after a real envelope round trip)
 * instead of sent. Nothing runs until `performEnqueued`.
 */
export function createTestHopper(options: TestHopperOptions): TestHopper {
  if (typeof options !== "object" || options === null) throw new ConfigurationError({ field: "options", message: "createTestHopper takes { jobs: [...] }" });
  const { capabilities, middleware = [], ...hopperOptions } = options;
  const clock = createTestClock();
  let classesByName = new Map<string, JobClass>();
  let records: EnqueuedJobRecord[] = [];
  const recordsById = new Map<string, EnqueuedJobRecord>();
  // Dead letters are data, not jobs: performEnqueued leaves their queues alone.
  const deadLetterQueues = new Set<string>();
  const runs: { record: EnqueuedJobRecord; error?: unknown; failed: boolean }[] = [];

  const record = (message: OutgoingMessage, atMs: number) => {
    const deadLetter = parseDeadLetter(message.body);
    if (deadLetter) {
      deadLetterQueues.add(message.queue);
      const original = recordsById.get(deadLetter.id);
      if (original) {
        original.status = "dead";
        original.deadLetterReason = deadLetter.reason;
      }
      return;
    }
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(message.body);
    } catch {
      return; // not a job: nothing to record
    }
    const runAtMs = atMs + (message.delayMs ?? 0);
    const known = recordsById.get(envelope.id);
    if (known) return known.requeued(envelope, atMs, runAtMs);
    const fresh = new EnqueuedJobRecord(envelope, classesByName.get(envelope.job), atMs, runAtMs);
    records.push(fresh);
    recordsById.set(fresh.id, fresh);
  };
  const backend = createTestBackend({ nowMs: clock.nowMs, onEnqueue: record, ...(capabilities !== undefined && { capabilities }) });

  // Outermost, so a failure in the application's own middleware counts too.
  const recorder: Middleware = {
    async perform(context, next) {
      const run = recordsById.get(context.context.jobId);
      if (run) run.runs += 1;
      try {
        const result = await next();
        if (run) {
          run.status = "performed";
          runs.push({ record: run, failed: false });
        }
        return result;
      } catch (error) {
        if (run) {
          run.status = "failed";
          run.lastError = error;
          runs.push({ record: run, error, failed: true });
        }
        throw error;
      }
    },
  };
  const hopper = createHopper({ ...hopperOptions, middleware: [recorder, ...middleware], backend });
  classesByName = new Map(options.jobs.map((jobClass) => [jobNameOf(jobClass), jobClass]));

  // Job.performLater goes through the binding: check the args there, then send as usual.
  const bindings = new Map<JobClass, JobEnqueuer>();
  for (const jobClass of options.jobs) {
    const original = jobBinding(jobClass);
    const checking: JobEnqueuer = {
      // async, so a refusal rejects the promise performLater returns, as an enqueue failure does.
      async enqueue(boundClass, argsList, enqueueOptions) {
        if (Array.isArray(argsList)) for (const args of argsList) checkArgsSurvive(jobNameOf(boundClass), args);
        return original.enqueue(boundClass, argsList, enqueueOptions);
      },
      performNow: (boundClass, args) => original.performNow(boundClass, args),
    };
    bindJob(jobClass, checking);
    bindings.set(jobClass, checking);
  }

  const schedules: { job: RecurringJob; lastTickMs: number }[] = [];
  // Taking a message counts a delivery: one passed over by `only` must not look like a crashed attempt when it runs.
  const skippedDeliveries = new Map<string, number>();
  const view = (filter: { job?: JobClass; queue?: string } = {}): EnqueuedJob[] =>
    records.filter((job) => (filter.job === undefined || job.job === jobNameOf(filter.job)) && (filter.queue === undefined || job.queue === filter.queue));

  const testHopper: TestHopper = {
    get backend() {
      return hopper.backend;
    },
    clock,
    enqueue: async (jobClass, args, enqueueOptions) => {
      checkArgsSurvive(jobNameOf(jobClass), args);
      return hopper.enqueue(jobClass, args, enqueueOptions);
    },
    enqueueAll: async (jobClass, argsList, enqueueOptions) => {
      if (Array.isArray(argsList)) for (const args of argsList) checkArgsSurvive(jobNameOf(jobClass), args);
      return hopper.enqueueAll(jobClass, argsList, enqueueOptions);
    },
    worker: (workerOptions) => hopper.worker(workerOptions),
    runMessage: (message) => hopper.runMessage(message),
    deadLetters: (queue) => hopper.deadLetters(queue),
    jobs: hopper.jobs,
    events: hopper.events,
    queues: hopper.queues,
    workers: hopper.workers,
    schedules: hopper.schedules,
    batch: (batchOptions) => hopper.batch(batchOptions),
    batches: hopper.batches,
    chain: (...steps) => hopper.chain(...steps),
    chains: hopper.chains,
    flow: (flowOptions) => hopper.flow(flowOptions),
    flows: hopper.flows,
    use: (layer) => hopper.use(layer),
    schedule(name, cron, jobClass, args, scheduleOptions) {
      checkArgsSurvive(jobNameOf(jobClass), args);
      hopper.schedule(name, cron, jobClass, args, scheduleOptions);
      schedules.push({ job: defineRecurringJob(name, cron, jobClass, args, scheduleOptions), lastTickMs: clock.nowMs() });
    },
    relay: (relayOptions) => hopper.relay(relayOptions),
    scheduler: (schedulerOptions) => hopper.scheduler(schedulerOptions),
    enqueueRecurring: (name, enqueueOptions) => hopper.enqueueRecurring(name, enqueueOptions),
    enqueued: view,
    enqueuedCount: (jobClass, args, matcher) => (jobClass === undefined ? records.length : findEnqueued(records, jobClass, args, matcher).length),
    expectEnqueued: (jobClass, args, matcher) => assertEnqueued(records, jobClass, args, matcher),
    expectNotEnqueued: (jobClass, args, matcher) => assertNotEnqueued(records, jobClass, args, matcher),
    async performEnqueued(performOptions = {}) {
      const { rethrow = true, maxRuns = 1000 } = performOptions;
      const targetMs = targetTime(performOptions.until, clock.nowMs());
      const only = performOptions.only === undefined ? undefined : new Set((Array.isArray(performOptions.only) ? performOptions.only : [performOptions.only]).map((jobClass: JobClass) => jobNameOf(jobClass)));
      const report: PerformReport = { performed: [], failed: [] };
      let runCount = 0;
      // Messages this call leaves alone (other jobs than `only`), handed back when it ends.
      const skipped: (() => void)[] = [];
      try {
        for (;;) {
          const ran = await runNextDue();
          if (ran) continue;
          const nextMs = Math.min(backend.nextReadyAt() ?? Infinity, ...schedules.map((schedule) => nextTick(schedule.job, schedule.lastTickMs) ?? Infinity));
          if (nextMs > targetMs) break;
          clock.moveForwardTo(nextMs);
          for (const schedule of schedules) {
            const tick = nextTick(schedule.job, schedule.lastTickMs);
            if (tick === undefined || tick > clock.nowMs()) continue;
            schedule.lastTickMs = tick;
            await hopper.enqueueRecurring(schedule.job.name, { scheduledAt: new Date(tick) });
          }
        }
        clock.moveForwardTo(targetMs);
        return report;
      } finally {
        for (const handBack of skipped) handBack();
      }

      async function runNextDue(): Promise<boolean> {
        for (const queue of backend.queueNames()) {
          if (deadLetterQueues.has(queue)) continue;
          for (;;) {
            const message = backend.takeNext(queue);
            if (!message) break;
            const envelope = safeDecode(message.body);
            if (only && envelope && !only.has(envelope.job)) {
              skippedDeliveries.set(message.id, (skippedDeliveries.get(message.id) ?? 0) + 1);
              skipped.push(() => message.nack(0));
              continue;
            }
            if (++runCount > maxRuns) {
              message.nack(0);
              throw new Error(`performEnqueued stopped after ${maxRuns} runs with jobs still due (a job that enqueues itself without a delay?): raise maxRuns if this is expected`);
            }
            const before = runs.length;
            // Due on the test clock: the handler compares runAt with real time, so it gets the envelope without it.
            const body = envelope?.runAt === undefined ? message.body : encodeEnvelope(withoutRunAt(envelope));
            const outcome = await hopper.runMessage({ queue, body, id: message.id, deliveryAttempt: backend.capabilities.deliveryAttempts ? message.deliveries - (skippedDeliveries.get(message.id) ?? 0) : undefined });
            if (outcome.status === "retry") message.nack(outcome.retryAfterMs);
            else if (outcome.status === "done") message.ack();
            else message.nack(0);
            for (const run of runs.slice(before)) {
              if (run.failed) report.failed.push({ job: run.record, error: run.error });
              else report.performed.push(run.record);
            }
            const failure = runs.slice(before).find((run) => run.failed);
            if (failure && rethrow) throw failure.error;
            // Dead-lettered before perform (unknown job, args its schema refuses): a worker would never run it either.
            const unrun = envelope && runs.length === before ? recordsById.get(envelope.id) : undefined;
            if (unrun?.status === "dead") {
              const error = new Error(`${unrun.job} ${unrun.id} went to the dead letters without running: ${unrun.deadLetterReason}`);
              report.failed.push({ job: unrun, error });
              if (rethrow) throw error;
            }
            return true;
          }
        }
        return false;
      }
    },
    clear() {
      records = [];
      recordsById.clear();
    },
    async close() {
      for (const [jobClass, binding] of bindings) {
        unbindJob(jobClass, binding);
        if (testHoppers.get(jobClass) === testHopper) testHoppers.delete(jobClass);
      }
      await hopper.close();
    },
  };
  for (const jobClass of options.jobs) testHoppers.set(jobClass, testHopper);
  return testHopper;
}

function targetTime(until: Date | Duration | undefined, nowMs: number): number {
  if (until === undefined) return nowMs;
  if (until instanceof Date) {
    if (Number.isNaN(until.getTime())) throw new ConfigurationError({ field: "until", message: "must be a valid Date or a duration such as \"5m\"" });
    return Math.max(nowMs, until.getTime());
  }
  return nowMs + toMilliseconds(until, "until");
}

function safeDecode(body: string): Envelope | undefined {
  try {
    return decodeEnvelope(body);
  } catch {
    return undefined;
  }
}

function withoutRunAt(envelope: Envelope): Envelope {
  const { runAt: _runAt, ...rest } = envelope;
  return rest;
}

function parseDeadLetter(body: string): { id: string; reason: string } | undefined {
  if (!body.startsWith('{"hopperDeadLetter"')) return undefined;
  try {
    const parsed = JSON.parse(body) as DeadLetter;
    return typeof parsed.id === "string" ? { id: parsed.id, reason: `${parsed.reason} (${parsed.error?.name}: ${parsed.error?.message})` } : undefined;
  } catch {
    return undefined;
  }
}

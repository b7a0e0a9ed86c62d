import { abortableSleep } from "../abortable-sleep.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { toPositiveMilliseconds, type Duration } from "../duration.js";
import { optionKeysOf, rejectUnknownOptions } from "../option-keys.js";
import type { Logger } from "../logger.js";
import { onShutdownSignals } from "../shutdown-signals.js";
import { nextTick, ticksBetween, type RecurringJob } from "./recurring-job.js";
import { enqueueTickOnce, lastTickKey, settleTick, type TickClaimDependencies, type UnsettledTick } from "./tick-claim.js";

export interface SchedulerOptions {
  /** Stop on SIGTERM and SIGINT while `run()` is active. Default true. */
  readonly handleSignals?: boolean;
  /** How long a tick's claim lasts before its job is enqueued; a scheduler dying in between frees the tick after this. Default "10s". */
  readonly claimLease?: Duration;
}

const schedulerOptionKeys = optionKeysOf<SchedulerOptions>({ handleSignals: true, claimLease: true });

export interface SchedulerDependencies extends Omit<TickClaimDependencies, "claimLeaseMs"> {
  readonly schedules: () => readonly RecurringJob[];
  readonly logger: Logger;
  /** Checks a schedule's args as each tick's enqueue would (its job's schema, what the envelope can carry); run at the start. */
  readonly checkArgs?: (job: RecurringJob) => Promise<void>;
}

interface ScheduleState {
  /** Ticks this process knows are enqueued. */
  readonly settled: Set<number>;
  /** Ticks another process claimed: when to look again, in case it died before enqueuing. */
  readonly recheckAt: Map<number, number>;
}

const errorBackoffMs = 1000;
// Wake at least this often, so a jump of the wall clock is noticed.
const maxSleepMs = 30_000;
// Wake this long after a tick, so the clock is surely past it.
const wakeSlackMs = 5;
const maxWindowTicks = 10_000;
// While the store is down, a frequent schedule piles up unconfirmed ticks; only the newest matter (the mark only grows).
const maxUnsettled = 1000;

/**
 * Enqueues recurring jobs at their ticks. Any number of processes may run a
 * scheduler on the same schedules: a claim per tick in the coordination store
 * lets exactly one of them enqueue each tick. Time is the store's clock, the
 * one its claims expire by, so a process whose own clock is wrong neither
 * runs ticks early nor runs again ticks whose claims it thinks are recent.
 */
export class Scheduler {
  private readonly claimLeaseMs: number;
  private readonly states = new Map<string, ScheduleState>();
  /** Enqueued ticks whose claim confirmation failed; retried every pass until it succeeds. */
  private readonly unsettled: UnsettledTick[] = [];
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    private readonly dependencies: SchedulerDependencies,
    private readonly options: SchedulerOptions = {},
  ) {
    rejectUnknownOptions(options, schedulerOptionKeys, "scheduler()", "scheduler.");
    this.claimLeaseMs = toPositiveMilliseconds(options.claimLease ?? "10s", "scheduler.claimLease");
  }

  /** Runs until `stop()` (or SIGTERM/SIGINT). */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  /** Stops after the pass in progress; idempotent. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  /**
   * One pass: enqueues every due tick this process can claim; resolves with
   * when the next pass is due. `now` defaults to the coordination store's
   * clock, and the answer is on the same clock (epoch ms). A schedule that
   * fails (its enqueue throws) is logged and retried soon; the others go on.
   */
  async runDue(now?: number): Promise<number> {
    const { coordination, logger } = this.dependencies;
    now ??= await coordination.now();
    let wakeAt = now + maxSleepMs;
    if (!(await this.settlePending())) wakeAt = Math.min(wakeAt, now + errorBackoffMs);
    for (const job of this.dependencies.schedules()) {
      const state = this.stateOf(job);
      try {
        for (const tick of await this.dueTicks(job, now)) {
          if (state.settled.has(tick) || (state.recheckAt.get(tick) ?? 0) > now) continue;
          // Retried soon if it throws; replaced below by what it tells.
          state.recheckAt.set(tick, now + errorBackoffMs);
          const outcome = await enqueueTickOnce({ ...this.dependencies, claimLeaseMs: this.claimLeaseMs }, job, tick);
          if (outcome.status === "enqueued") {
            state.settled.add(tick);
            state.recheckAt.delete(tick);
            if (outcome.unsettled) this.unsettled.push(outcome.unsettled);
            if (this.unsettled.length > maxUnsettled) this.unsettled.shift();
          } else {
            state.recheckAt.set(tick, now + this.claimLeaseMs);
          }
        }
      } catch (error) {
        // Bad configuration (no shared coordination store, say) does not heal: stop loudly.
        if (ConfigurationError.isInstance(error)) throw error;
        logger.error("a recurring job's tick could not be enqueued; retrying", { schedule: job.name, error });
      }
      this.forgetBefore(state, now - job.graceMs);
      for (const recheck of state.recheckAt.values()) wakeAt = Math.min(wakeAt, recheck);
      const next = nextTick(job, now);
      if (next !== undefined) wakeAt = Math.min(wakeAt, next + wakeSlackMs);
    }
    if (this.unsettled.length > 0) wakeAt = Math.min(wakeAt, now + errorBackoffMs);
    return wakeAt;
  }

  /** Retries the confirmations that failed; false while some still fail. */
  private async settlePending(): Promise<boolean> {
    const pending = this.unsettled.splice(0);
    for (const tick of pending) {
      try {
        await settleTick({ ...this.dependencies, claimLeaseMs: this.claimLeaseMs }, tick);
      } catch (error) {
        this.dependencies.logger.warn("a tick's claim still could not be confirmed; retrying", { schedule: tick.job.name, tick: new Date(tick.tickMs).toISOString(), error });
        this.unsettled.push(tick);
      }
    }
    return this.unsettled.length === 0;
  }

  /** Ticks still inside the grace window, plus the missed ticks the catch-up policy runs. */
  private async dueTicks(job: RecurringJob, now: number): Promise<number[]> {
    const windowStart = now - job.graceMs;
    const onTime = ticksBetween(job, windowStart, now, maxWindowTicks);
    const last = await this.dependencies.coordination.advance(lastTickKey(job));
    // With no tick ever enqueued there is nothing to catch up: the schedule is new.
    const missed = last === undefined ? [] : ticksBetween(job, last, windowStart, job.catchUpLimit);
    return [...missed, ...onTime];
  }

  private stateOf(job: RecurringJob): ScheduleState {
    let state = this.states.get(job.name);
    if (!state) this.states.set(job.name, (state = { settled: new Set(), recheckAt: new Map() }));
    return state;
  }

  private forgetBefore(state: ScheduleState, cutoff: number): void {
    for (const tick of state.settled) if (tick <= cutoff) state.settled.delete(tick);
    for (const tick of state.recheckAt.keys()) if (tick <= cutoff) state.recheckAt.delete(tick);
  }

  /** Args the job's schema rejects would be dropped at every tick, logged only then (a nightly job: at 03:00): refused now, as is a grace a dead scheduler's claim outlasts. */
  private async checkSchedules(): Promise<void> {
    for (const job of this.dependencies.schedules()) {
      // A tick claimed by a scheduler that died is taken over once its claim lapses; by then it must still be in grace.
      if (job.graceMs <= this.claimLeaseMs) {
        throw new ConfigurationError({ field: `schedule(${job.name}).grace`, message: `must be longer than the scheduler's claimLease (${this.claimLeaseMs} ms): a tick claimed by a scheduler that dies would pass out of grace before another may take it, and be lost` });
      }
    }
    const { checkArgs } = this.dependencies;
    if (!checkArgs) return;
    for (const job of this.dependencies.schedules()) {
      try {
        await checkArgs(job);
      } catch (error) {
        throw new ConfigurationError({ field: `schedule(${job.name}).args`, message: `${(error as Error).message}; give args its job ${job.jobClass.name} can be enqueued with`, cause: error });
      }
    }
  }

  private async loop(): Promise<void> {
    const { logger } = this.dependencies;
    await this.checkSchedules();
    const removeSignalHandlers = this.options.handleSignals === false ? () => {} : onShutdownSignals(logger, "scheduler", () => this.stopping.abort());
    try {
      while (!this.stopping.signal.aborted) {
        let sleepMs: number;
        const passStarted = Date.now();
        try {
          const now = await this.dependencies.coordination.now();
          // Both on the store's clock; only their difference is used here.
          sleepMs = (await this.runDue(now)) - now - (Date.now() - passStarted);
        } catch (error) {
          if (ConfigurationError.isInstance(error)) throw error;
          logger.error("scheduler pass failed; retrying", { error });
          sleepMs = errorBackoffMs;
        }
        await abortableSleep(Math.min(maxSleepMs, Math.max(0, sleepMs)), this.stopping.signal);
      }
    } finally {
      removeSignalHandlers();
    }
  }
}

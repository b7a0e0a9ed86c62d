import { LeaseLostError } from "../errors/lease-lost-error.js";
import type { JobRun } from "./job-run.js";
import { leaseClock } from "./lease-clock.js";

/**
 * Renews the leases of every running job of one handler with one timer, rather
 * than a timer per job: it ticks every eighth of a lease and renews each run
 * whose lease is 3/8 gone, so a renewal is sent between 3/8 and 1/2 of a lease,
 * never later than a timer of its own at half a lease would have sent it. Once
 * the backend says a lease is gone, the run is aborted with LeaseLostError and
 * its message is given up (never acked or retried by this worker: another may
 * hold the redelivered copy). So is a run whose lease no renewal has confirmed
 * by the time three quarters of it are gone, whether renewals fail (the server
 * unreachable) or never answer (a command waiting out a cluster slot move): past
 * its end the backend may hand the job to another worker, which must not run
 * beside this one. A process that stalled before its renewal went out asks once
 * first (the backend still holds the lease unless it handed the job out). A
 * process that stalled past the lease's end (descheduled, SIGSTOPped) does not
 * ask: the job may already run elsewhere, so the run is given up at once, by the
 * first tick or by the job reading `ctx.signal` (`checkOverdue`), whichever comes
 * first after it wakes (its own timers may fire before the heartbeat's).
 * Its lines go to the run's logger, so they carry the job's fields.
 * It keeps a run's times (`leaseFrom`, `leaseHeldUntil`, `renewalSentAt`) in ms from its own start, so they
 * stay small integers that V8 keeps in the run itself, not a 16-byte boxed number each per held job.
 */
export class LeaseHeartbeat {
  private readonly runs = new Set<JobRun>();
  private timer: NodeJS.Timeout | undefined;
  private readonly renewAfterMs: number;
  private readonly tickMs: number;
  /**
   * A run gives up this long before its lease surely ends (a quarter lease): the check runs
   * once a tick, and the lease began on the server before the receive's answer reached us,
   * so waiting for the end itself would let another worker claim the job first.
   */
  private readonly giveUpMarginMs: number;
  /** The lease clock when this heartbeat began: every time it keeps is counted from here (see `now`). */
  private readonly epoch = leaseClock();

  constructor(private readonly leaseMs: number) {
    this.tickMs = Math.max(10, Math.floor(leaseMs / 8));
    this.renewAfterMs = Math.max(10, Math.floor(leaseMs / 2) - this.tickMs);
    this.giveUpMarginMs = 2 * this.tickMs;
  }

  add(run: JobRun): void {
    const now = this.now();
    const leaseFrom = run.job.leaseFrom;
    // From the lease's start, not from now: a run that began late in its lease renews at the first tick.
    run.leaseFrom = leaseFrom === undefined ? now : Math.min(leaseFrom - this.epoch, now);
    run.leaseHeldUntil = run.leaseFrom + this.leaseMs;
    this.runs.add(run);
    if (!this.timer) {
      this.timer = setInterval(() => this.renewDue(), this.tickMs);
      this.timer.unref();
    }
  }

  // The timer stays when the last run ends and stops at its next tick if none came since: a worker running one
  // job at a time would otherwise set and clear an interval per job.
  delete(run: JobRun): void {
    this.runs.delete(run);
  }

  /** This process's clock in ms from the heartbeat's start: a small integer for the first 24 days (then boxed, still right). */
  private now(): number {
    return leaseClock() - this.epoch;
  }

  private renewDue(): void {
    if (this.runs.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = this.now();
    for (const run of this.runs) {
      if (now >= run.leaseHeldUntil) {
        this.giveUpOverdue(run);
        continue;
      }
      // A renewal that succeeds moves leaseHeldUntil on, so this fires only when none has confirmed the lease in time,
      // and only once one was asked for at least a tick ago: a process that stalled before sending one asks first.
      const asked = run.renewalFailing || (run.renewalSentAt > 0 && now - run.renewalSentAt >= this.tickMs);
      if (asked && now >= run.leaseHeldUntil - this.giveUpMarginMs) this.giveUp(run, run.renewalFailing ? "lease is running out while every renewal failed; aborting the job, and it will not be acked (the backend may hand it to another worker)" : "lease is running out and no renewal has answered; aborting the job, and it will not be acked (the backend may hand it to another worker)");
      else if (now - run.leaseFrom >= this.renewAfterMs || (!asked && now >= run.leaseHeldUntil - this.giveUpMarginMs)) this.renew(run, now);
    }
  }

  /** Gives up a run of this heartbeat whose lease is past its end on this clock: what a job reading `ctx.signal` asks first. */
  checkOverdue(run: JobRun): void {
    if (this.runs.has(run) && this.now() >= run.leaseHeldUntil) this.giveUpOverdue(run);
  }

  private giveUpOverdue(run: JobRun): void {
    this.giveUp(run, "lease ran out while this process stalled (it did not run for longer than the lease); aborting the job, and it will not be acked (another worker may already run it)", true);
  }

  private renew(run: JobRun, now: number): void {
    run.leaseFrom = now;
    if (run.renewalSentAt === 0) run.renewalSentAt = now;
    const { job } = run;
    job.message.extendLease(this.leaseMs).then(
      (held) => {
        if (held !== false) {
          run.leaseHeldUntil = Math.max(run.leaseHeldUntil, now + this.leaseMs);
          run.renewalFailing = false;
          run.renewalSentAt = 0;
        }
        else this.giveUp(run, "lease lost while the job ran; aborting it, and it will not be acked (the redelivered copy runs instead)");
      },
      (error: unknown) => {
        // Try again next tick rather than half a lease later: the lease is running out.
        run.leaseFrom = -this.renewAfterMs;
        run.renewalFailing = true;
        run.logger.warn("lease extension failed", { messageId: job.message.id, error });
      },
    );
  }

  /** Another worker may run the redelivered copy: this one must neither ack nor retry it. */
  private giveUp(run: JobRun, line: string, overdue = false): void {
    const { job } = run;
    if (job.handedBack) return;
    this.delete(run);
    job.handedBack = true;
    run.logger.error(line, { messageId: job.message.id });
    run.abort(new LeaseLostError({ jobId: job.message.id, overdue }));
  }
}

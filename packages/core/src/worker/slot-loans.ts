import type { InFlightJob } from "./message-handler.js";
import type { ReceiveBudget } from "./receive-budget.js";

/**
 * A job waiting in process for its rate-limit slot lends its worker slot out
 * meanwhile, so a throttled queue does not keep the worker's other queues (or
 * its own jobs with other limits) from running. At most `concurrency` slots are
 * lent at once (a worker's waits stay bounded); past that a limited job does not
 * wait in process at all and goes back as a delayed copy. A waiting job takes a
 * slot back ahead of any buffered job, so at most `concurrency` performs run at
 * once; if none comes back within its bound, it gives the wait up.
 */
export class SlotLoans {
  private lent = 0;
  private readonly reclaims: { readonly job: InFlightJob; resolve: (reclaimed: boolean) => void }[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly budget: ReceiveBudget,
    /** Starts buffered jobs in the slots that are free (the worker's own loop). */
    private readonly startBuffered: () => void,
  ) {}

  /** Whether a job could lend its slot now. */
  canLend(): boolean {
    return this.lent < this.concurrency;
  }

  /** Frees `job`'s slot for others while it waits; false (it keeps its slot) when this worker has lent its most. */
  lend(job: InFlightJob): boolean {
    if (job.lent || this.lent >= this.concurrency) return false;
    job.lent = true;
    this.lent += 1;
    this.budget.running -= 1;
    this.startBuffered();
    this.budget.changed();
    return true;
  }

  /** Resolves true once `job` holds a slot again (the next one free, before any buffered job), false after `timeoutMs` without one. */
  reclaim(job: InFlightJob, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const index = this.reclaims.indexOf(entry);
        if (index >= 0) this.reclaims.splice(index, 1);
        resolve(false);
      }, timeoutMs);
      const entry = {
        job,
        resolve: (reclaimed: boolean) => {
          clearTimeout(timer);
          resolve(reclaimed);
        },
      };
      this.reclaims.push(entry);
      this.serve();
    });
  }

  /** Gives free slots to waiting jobs first; the worker calls it before starting buffered jobs, stopping or not (they were already received). */
  serve(): void {
    while (this.budget.running < this.concurrency && this.reclaims.length > 0) {
      const { job, resolve } = this.reclaims.shift()!;
      this.settle(job);
      this.budget.running += 1;
      resolve(true);
    }
  }

  /** A job that ends while its slot is lent (it gave the wait up): its loan ends, and it has no slot to free. True when it had one lent. */
  settle(job: InFlightJob): boolean {
    if (!job.lent) return false;
    job.lent = false;
    this.lent -= 1;
    return true;
  }
}

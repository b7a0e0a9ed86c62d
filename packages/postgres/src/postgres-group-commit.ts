import { setTimeout as sleep } from "node:timers/promises";

/** While a flush fails this way (the server restarting), it is made again, for up to `forMs`. */
export interface FlushRetry {
  readonly when: (error: unknown) => boolean;
  readonly forMs: number;
}

const firstRetryDelayMs = 50;
const longestRetryDelayMs = 1000;

/**
 * Group commit: items added while a flush runs go out together in the next
 * one, so acks (nacks, lease renewals) from many concurrent jobs share one
 * statement without waiting on a timer. Each `add` resolves once its item's
 * flush has committed, with what that flush answered (the set of leases it
 * extended: each caller looks itself up), or rejects with the flush's error.
 * A flush that fails as `retry` says is made again (with the items added
 * meanwhile waiting behind it): an ack carries its lease token, so making it
 * again after a server restart settles the job instead of running it twice.
 */
export class GroupCommit<Item, Outcome = void> {
  private pending: { item: Item; resolve: (outcome: Outcome) => void; reject: (error: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly flushItems: (items: Item[]) => Promise<Outcome>,
    private readonly maxBatch: number,
    private readonly retry?: FlushRetry,
  ) {}

  add(item: Item): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      // setImmediate gathers the items of one event-loop turn into the first batch.
      this.flushing ??= new Promise((started) => setImmediate(started)).then(() => this.drain());
    });
  }

  /** Resolves once everything added so far is flushed. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        const outcome = await this.flushWithRetry(batch.map((entry) => entry.item));
        for (const entry of batch) entry.resolve(outcome);
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.flushing = undefined;
  }

  private async flushWithRetry(items: Item[]): Promise<Outcome> {
    const deadline = Date.now() + (this.retry?.forMs ?? 0);
    for (let delayMs = firstRetryDelayMs; ; delayMs = Math.min(delayMs * 2, longestRetryDelayMs)) {
      try {
        return await this.flushItems(items);
      } catch (error) {
        if (!this.retry?.when(error) || Date.now() + delayMs > deadline) throw error;
        await sleep(delayMs);
      }
    }
  }
}

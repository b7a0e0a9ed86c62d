/**
 * Group commit: items added while a flush runs go out together in the next
 * one, so acks from many concurrent jobs share one statement without waiting
 * on a timer. Each `add` resolves once its item's flush has committed.
 */
export class AckBatcher<Item> {
  private pending: { item: Item; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly flushItems: (items: Item[]) => Promise<void>,
    private readonly maxBatch: number,
  ) {}

  add(item: Item): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      // setImmediate gathers the acks of one event-loop turn into the first batch.
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
        await this.flushItems(batch.map((entry) => entry.item));
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.flushing = undefined;
  }
}

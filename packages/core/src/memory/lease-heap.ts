/** What the lease heap orders: when each lease ends, and where the message sits in the heap while leased. */
export interface LeasedItem {
  /** When its lease ends (MemoryQueue keeps the time a message becomes ready in the same field while it waits). */
  at: number;
  /** Its index in the heap while leased; -1 otherwise. */
  leaseIndex: number;
}

/**
 * A min-heap of leased messages by lease end that knows where each one is, so a renewal moves its
 * message and an ack removes it at once: one entry per leased message, no stale entries left behind
 * (an entry per renewal would cost a held message an object per lease it had).
 */
export class LeaseHeap<T extends LeasedItem> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    item.leaseIndex = this.items.length;
    this.items.push(item);
    this.siftUp(item.leaseIndex);
  }

  /** Its `at` changed: moves it to its place. */
  update(item: T): void {
    if (item.leaseIndex < 0) return;
    this.siftDown(this.siftUp(item.leaseIndex));
  }

  remove(item: T): void {
    const index = item.leaseIndex;
    if (index < 0) return;
    const last = this.items.pop()!;
    item.leaseIndex = -1;
    if (last === item) return;
    this.place(last, index);
    this.siftDown(this.siftUp(index));
  }

  private place(item: T, index: number): void {
    this.items[index] = item;
    item.leaseIndex = index;
  }

  private siftUp(index: number): number {
    const { items } = this;
    const item = items[index]!;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (items[parent]!.at <= item.at) break;
      this.place(items[parent]!, index);
      index = parent;
    }
    this.place(item, index);
    return index;
  }

  private siftDown(index: number): void {
    const { items } = this;
    const item = items[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && items[right]!.at < items[left]!.at ? right : left;
      if (items[child]!.at >= item.at) break;
      this.place(items[child]!, index);
      index = child;
    }
    this.place(item, index);
  }
}

/**
 * How many workers receive from each queue, for a backend's `receiveFrom`: `onLastStopped(queue)` once the last of a
 * queue's stops (SQS FIFO and Pub/Sub ordering give the messages their lines hold back then).
 */
export class QueueReceivers {
  private readonly counts = new Map<string, number>();

  constructor(private readonly onLastStopped: (queue: string) => void) {}

  /** A worker receives from `queues`; the function returned says it stopped (later calls do nothing). */
  add(queues: readonly string[]): () => void {
    for (const queue of queues) this.counts.set(queue, (this.counts.get(queue) ?? 0) + 1);
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      for (const queue of queues) {
        const left = this.counts.get(queue)! - 1;
        if (left > 0) {
          this.counts.set(queue, left);
          continue;
        }
        this.counts.delete(queue);
        this.onLastStopped(queue);
      }
    };
  }

  /** Whether a worker receives from `queue` now. */
  has(queue: string): boolean {
    return this.counts.has(queue);
  }
}

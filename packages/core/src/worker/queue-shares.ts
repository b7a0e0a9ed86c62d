/**
 * Weighted shares: counts what each queue got and hands the next unit to the
 * queue furthest behind its weight, so under saturation the counts stay within
 * about one pass of the weights whatever the run's length. A queue found empty
 * forfeits what it is behind (it saves up no credit while empty), so it cannot
 * crowd out the others in a burst when jobs arrive; any weight above 0 gets its
 * share while it has jobs.
 */
export class QueueShares {
  private readonly counts = new Map<string, number>();

  constructor(private readonly weights: ReadonlyMap<string, number>) {
    for (const queue of weights.keys()) this.counts.set(queue, 0);
  }

  /** The queue among `queues` furthest behind its share; undefined when none is given. */
  behind(queues: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestLevel = Infinity;
    for (const queue of queues) {
      const level = (this.counts.get(queue)! + 1) / this.weights.get(queue)!;
      if (level < bestLevel) {
        best = queue;
        bestLevel = level;
      }
    }
    return best;
  }

  /** Splits `room` between `queues` by share, at most `most` each. */
  split(queues: readonly string[], room: number, most: number): Map<string, number> {
    const split = new Map<string, number>();
    for (let unit = 0; unit < room; unit += 1) {
      let best: string | undefined;
      let bestLevel = Infinity;
      for (const queue of queues) {
        const given = split.get(queue) ?? 0;
        if (given >= most) continue;
        const level = (this.counts.get(queue)! + given + 1) / this.weights.get(queue)!;
        if (level < bestLevel) {
          best = queue;
          bestLevel = level;
        }
      }
      if (best === undefined) break;
      split.set(best, (split.get(best) ?? 0) + 1);
    }
    return split;
  }

  count(queue: string, n: number): void {
    this.counts.set(queue, this.counts.get(queue)! + n);
  }

  /** `queue` had nothing to give: it catches up with the furthest-ahead of `others` instead of saving credit. */
  forfeit(queue: string, others: readonly string[]): void {
    let level = 0;
    for (const other of others) level = Math.max(level, this.counts.get(other)! / this.weights.get(other)!);
    this.counts.set(queue, Math.max(this.counts.get(queue)!, Math.floor(level * this.weights.get(queue)!)));
  }
}

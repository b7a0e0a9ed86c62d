import type { Consumer } from "./bench-subject.js";

export interface ClaimLoopOptions<T> {
  readonly concurrency: number;
  /** Loops claiming at once; each claims at most `maxClaim`. */
  readonly loops: number;
  readonly maxClaim: number;
  /** Takes up to `max` items, waiting briefly (block or poll) when there are none; [] after a quiet wait. */
  claim(max: number, signal: AbortSignal): Promise<T[]>;
  /** Runs one item's job; its slot frees when this settles. */
  run(item: T): Promise<void>;
  /** Acknowledges one item after its job ran; runs in the background, overlapping the next claim. */
  ack(item: T): Promise<void>;
}

/**
 * The consumer loop every raw baseline shares: claim as many items as there
 * are free slots, run each, ack when done. Nothing else (no retries, no
 * envelope), so it is the floor a job library's overhead is measured against.
 * Like Hopper's worker, a slot frees when the job returns and the ack travels
 * in the background, so the next claim overlaps it (benchmarks/README.md, "One
 * definition of concurrency"); stop() still waits for every ack.
 */
export function startClaimLoop<T>(options: ClaimLoopOptions<T>): Consumer {
  const stopping = new AbortController();
  let running = 0;
  let reserved = 0;
  // Every loop waiting for a slot is woken (several loops may wait at once).
  let waiters: (() => void)[] = [];
  const slotFreed = () => new Promise<void>((resolve) => waiters.push(resolve));
  const release = () => {
    const woken = waiters;
    waiters = [];
    for (const resolve of woken) resolve();
  };
  const inFlight = new Set<Promise<void>>();

  const loop = async () => {
    while (!stopping.signal.aborted) {
      const free = options.concurrency - running - reserved;
      if (free <= 0) {
        await slotFreed();
        continue;
      }
      const max = Math.min(free, options.maxClaim);
      reserved += max;
      let items: T[];
      try {
        items = await options.claim(max, stopping.signal);
      } catch (error) {
        if (stopping.signal.aborted) break;
        throw error;
      } finally {
        reserved -= max;
      }
      for (const item of items) {
        running += 1;
        const settled: Promise<void> = options
          .run(item)
          .then(
            () => {
              running -= 1;
              release();
              return options.ack(item);
            },
            () => {
              running -= 1;
              release();
            },
          )
          .catch(() => {})
          .finally(() => inFlight.delete(settled));
        inFlight.add(settled);
      }
      if (items.length < max) release();
    }
  };
  const loops = Array.from({ length: Math.max(1, options.loops) }, () => loop());
  const done = Promise.all(loops);
  done.catch(() => {});
  return {
    async stop() {
      stopping.abort();
      release();
      await Promise.allSettled(loops);
      await Promise.allSettled([...inFlight]);
    },
  };
}

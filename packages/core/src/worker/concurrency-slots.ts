/** A counting semaphore for the worker's job slots. */
export class ConcurrencySlots {
  private used = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly limit: number) {}

  get free(): number {
    return this.limit - this.used;
  }

  /** Takes up to `count` slots that are free now; returns how many it took. */
  tryAcquire(count: number): number {
    const taken = Math.max(0, Math.min(count, this.free));
    this.used += taken;
    return taken;
  }

  /** Waits until a slot is free and takes it; resolves false if `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.tryAcquire(1) === 1) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(wake);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve(false);
      };
      const wake = () => {
        signal.removeEventListener("abort", onAbort);
        this.used += 1;
        resolve(true);
      };
      this.waiters.push(wake);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  release(count = 1): void {
    this.used -= count;
    while (this.free > 0 && this.waiters.length > 0) this.waiters.shift()!();
  }
}

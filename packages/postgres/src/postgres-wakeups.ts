import type { SqlExecutor } from "./postgres-executor.js";

const relistenBackoffMs = 1000;

/**
 * Wakes idle receivers when their queue gets work. One LISTEN connection per
 * backend, fanned out in process by queue name (the NOTIFY payload). Until it
 * listens (or after it drops) receivers fall back to polling on their own.
 */
export class QueueWakeups {
  private readonly versions = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private unlisten: (() => Promise<void>) | undefined;
  private starting: Promise<void> | undefined;
  private lastFailureAt = -Infinity;
  private closed = false;

  constructor(
    private readonly executor: SqlExecutor,
    private readonly channel: string,
  ) {}

  get listening(): boolean {
    return this.unlisten !== undefined;
  }

  /** Starts listening if not yet (and not right after a failure); never throws. */
  ensureListening(): Promise<void> {
    if (this.unlisten || this.closed || !this.executor.listen) return Promise.resolve();
    if (this.starting) return this.starting;
    if (Date.now() - this.lastFailureAt < relistenBackoffMs) return Promise.resolve();
    this.starting = this.executor
      .listen(this.channel, (queue) => this.wake(queue), () => this.dropped())
      .then(async (unlisten) => {
        if (this.closed) await unlisten();
        else this.unlisten = unlisten;
      })
      .catch(() => {
        this.lastFailureAt = Date.now();
      })
      .finally(() => {
        this.starting = undefined;
      });
    return this.starting;
  }

  /** A counter that moves on every wake-up of `queue`; read it before looking for work. */
  version(queue: string): number {
    return this.versions.get(queue) ?? 0;
  }

  /** Resolves when `queue` is woken after `sinceVersion`, after `timeoutMs`, or when a signal aborts. */
  wait(queue: string, sinceVersion: number, timeoutMs: number, signals: readonly (AbortSignal | undefined)[]): Promise<void> {
    if (this.version(queue) !== sinceVersion || signals.some((signal) => signal?.aborted)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.waiters.get(queue) ?? new Set();
      this.waiters.set(queue, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.waiters.get(queue) === waiters) this.waiters.delete(queue);
        for (const signal of signals) signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      waiters.add(done);
      for (const signal of signals) signal?.addEventListener("abort", done, { once: true });
    });
  }

  wake(queue: string): void {
    this.versions.set(queue, this.version(queue) + 1);
    for (const waiter of [...(this.waiters.get(queue) ?? [])]) waiter();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.starting;
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await unlisten?.().catch(() => {});
  }

  /** The connection broke: notifications may have been missed, so everyone looks again. */
  private dropped(): void {
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    this.lastFailureAt = Date.now();
    void unlisten?.().catch(() => {});
    for (const queue of [...this.waiters.keys()]) this.wake(queue);
  }
}

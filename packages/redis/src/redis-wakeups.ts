import { duplicateClient, quitOrDisconnect } from "./redis-connection.js";
import type { RedisClient } from "./redis-scripts.js";

/**
 * Wakes receivers waiting on a queue when a script publishes on its channel,
 * over one subscriber connection per backend. A generation number per channel
 * closes the race between an empty receive and the start of the wait: a wake
 * that lands in between bumps the generation, and the receiver looks again.
 */
export class Wakeups {
  private subscriber: RedisClient | undefined;
  private readonly subscriptions = new Map<string, Promise<unknown>>();
  private readonly generations = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly client: RedisClient) {}

  /** Subscribes to `channel` once; resolves when wake-ups are flowing. */
  async listen(channel: string): Promise<void> {
    let subscription = this.subscriptions.get(channel);
    if (!subscription) {
      subscription = this.connection().subscribe(channel);
      this.subscriptions.set(channel, subscription);
      // A failed subscribe is retried by the next receive.
      subscription.catch(() => this.subscriptions.delete(channel));
    }
    await subscription;
  }

  generation(channel: string): number {
    return this.generations.get(channel) ?? 0;
  }

  /** Resolves on a wake-up on `channel`, after `timeoutMs`, or when a signal aborts. */
  wait(channel: string, timeoutMs: number, signals: readonly (AbortSignal | undefined)[]): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.waiters.get(channel);
      if (!waiters) {
        waiters = new Set();
        this.waiters.set(channel, waiters);
      }
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        for (const signal of signals) signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      waiters.add(done);
      for (const signal of signals) signal?.addEventListener("abort", done, { once: true });
    });
  }

  async close(): Promise<void> {
    for (const waiters of this.waiters.values()) for (const done of [...waiters]) done();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) await quitOrDisconnect(subscriber);
  }

  private connection(): RedisClient {
    if (!this.subscriber) {
      const subscriber = duplicateClient(this.client);
      // Connection errors surface through the commands that fail; ioredis reconnects and resubscribes.
      subscriber.on("error", () => {});
      subscriber.on("message", (channel: string) => this.wake(channel));
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }

  private wake(channel: string): void {
    this.generations.set(channel, this.generation(channel) + 1);
    const waiters = this.waiters.get(channel);
    if (waiters) for (const done of [...waiters]) done();
  }
}

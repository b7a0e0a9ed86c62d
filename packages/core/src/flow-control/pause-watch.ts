import type { CoordinationStore } from "../coordination/coordination-store.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import type { Logger } from "../logger.js";
import { readPauseChanges, readQueuePaused } from "./queue-pauses.js";

const firstReadBoundMs = 5000;

/**
 * A worker's view of which of its queues are paused: one read of the shared
 * change counter every `everyMs`, and the queues' flags only when it moved.
 * A pause takes effect in this worker within `everyMs` plus a round trip to
 * the store. When the store cannot be read, the last known flags stand (a
 * flaky store must not stop every queue); a worker with no coordination store
 * at all (SQS or Pub/Sub given none) never sees a pause, and says so once.
 */
export class PauseWatch {
  private readonly paused = new Set<string>();
  private lastChanges: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private listeners: (() => void)[] = [];
  private disabled = false;
  private reading: Promise<void> | undefined;
  /** When the last read began (epoch ms), for `refresh`. */
  private readAt: number | undefined;

  constructor(
    private readonly store: CoordinationStore,
    private readonly queues: readonly string[],
    private readonly everyMs: number,
    private readonly logger: Logger,
  ) {}

  /** Reads the flags once (so a worker started while a queue is paused takes none of its jobs), then polls. */
  async start(): Promise<void> {
    // A store that does not answer must not keep the worker from starting: the interval reads again.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(this.everyMs, firstReadBoundMs))));
    await Promise.race([this.poll(), late]);
    clearTimeout(timer);
    if (this.disabled) return;
    this.timer = setInterval(() => void this.poll(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  isPaused(queue: string): boolean {
    return this.paused.has(queue);
  }

  /**
   * For a process with no loop to poll from (a push handler, a Lambda frozen
   * between events): reads again when the last read began more than `maxAgeMs`
   * ago, else answers from memory. A failed read counts, so a store that is down
   * costs one attempt per `maxAgeMs`, not one per job.
   */
  async refresh(maxAgeMs: number): Promise<void> {
    if (this.disabled) return;
    // A read under way is waited for: answering from the flags before it would run a job the read is about to hold.
    if (this.reading) return this.reading;
    if (this.readAt !== undefined && Date.now() - this.readAt < maxAgeMs) return;
    await this.poll();
  }

  /** Calls `listener` after each change of any flag (not on every poll). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private poll(): Promise<void> {
    // One read at a time: a slow store must not pile up polls.
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<void> {
    this.readAt = Date.now();
    try {
      const changes = await readPauseChanges(this.store);
      if (changes === this.lastChanges) return;
      const flags = await Promise.all(this.queues.map((queue) => readQueuePaused(this.store, queue)));
      this.lastChanges = changes;
      const moved = this.queues.filter((queue, index) => flags[index] !== this.paused.has(queue));
      for (const queue of moved) (this.paused.has(queue) ? this.paused.delete(queue) : this.paused.add(queue));
      if (moved.length === 0) return;
      this.logger.info("queue pauses changed", { paused: [...this.paused] });
      for (const listener of this.listeners) listener();
    } catch (error) {
      if (ConfigurationError.isInstance(error)) {
        this.disabled = true;
        this.stop();
        this.logger.info("this worker cannot see queue pauses: it has no coordination store (hopper.queues.pause needs one every process shares)", { error });
        return;
      }
      this.logger.warn("could not read the queue pause flags; keeping the last known ones", { error });
    }
  }
}

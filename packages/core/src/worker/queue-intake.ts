import type { Backend, ReceivedMessage, ReceiveOptions } from "../backend/backend.js";
import type { Logger } from "../logger.js";
import { PrefetchBuffer } from "./prefetch-buffer.js";
import { QueueShares } from "./queue-shares.js";
import type { QueueSelection } from "./queue-selection.js";
import type { ReceiveBudget } from "./receive-budget.js";

export interface QueueIntakeOptions {
  readonly selection: QueueSelection;
  readonly backend: Backend;
  readonly leaseMs: number;
  readonly pollWaitMs: number;
  readonly budget: ReceiveBudget;
  readonly buffers: ReadonlyMap<string, PrefetchBuffer>;
  readonly logger: Logger;
  /** Whether a queue is paused now (the worker's pause watch). */
  readonly isPaused: (queue: string) => boolean;
  /** Messages received for a queue paused meanwhile, or as stop() began: back to the queue, unstarted. */
  /** Gives back messages that never started, keeping their attempt. */
  readonly handBack: (queue: string, messages: readonly ReceivedMessage[]) => Promise<void>;
  /** Extra receive options (records the backend writes as it claims); absent when records are off. */
  readonly receiveOptions?: Pick<ReceiveOptions, "records">;
  /** New messages are buffered: start what the free slots allow. */
  readonly onBuffered: () => void;
}

const receiveErrorBackoffMs = 1000;

/**
 * One intake for all of a worker's queues, deciding which queue each receive
 * asks. A pass (once the budget has room) asks the queues that are not being
 * watched without waiting: in strict order the first with jobs gets the whole
 * room and the pass ends there, so a lower queue is asked only when every
 * higher one just answered empty; weighted, the room is split by weight and the
 * queues asked at once. A queue that answers empty is watched by a long poll
 * for one message (one per queue, so each queue costs what its own loop cost:
 * a long poll per `pollWait` while idle), and its answer starts the next pass.
 * A worker with one queue long-polls it for the whole room, as before.
 */
export class QueueIntake {
  private readonly watched = new Set<string>();
  private readonly fetched: QueueShares;
  private readonly started: QueueShares;
  /** Bumped by every event a waiting pass cares about: a watch answered, a pause changed. */
  private events = 0;
  private wakeUp: (() => void) | undefined;
  private readonly watches = new Set<Promise<void>>();

  constructor(private readonly options: QueueIntakeOptions) {
    this.fetched = new QueueShares(options.selection.weights);
    this.started = new QueueShares(options.selection.weights);
  }

  /** Runs passes until `signal` aborts; resolves once every receive it made has returned. */
  async run(signal: AbortSignal): Promise<void> {
    const { budget, backend } = this.options;
    const unwatch = () => this.wake();
    signal.addEventListener("abort", unwatch, { once: true });
    try {
      while (!signal.aborted) {
        if (this.askable().length === 0) {
          await this.nextEvent(this.events, signal);
          continue;
        }
        const perPass = this.options.selection.order === "strict" ? 1 : this.askable().length;
        const reserved = await budget.reserve(backend.capabilities.maxReceiveBatch * perPass, signal);
        if (reserved === 0) break;
        // Read again: the wait for room may have seen a pause or a watch start.
        const active = this.activeQueues();
        const askable = this.askable();
        if (askable.length === 0) {
          budget.unreserve(reserved);
          continue;
        }
        let kept = 0;
        let received = 0;
        try {
          ({ kept, received } = await this.pass(active, askable, reserved, signal));
        } catch (error) {
          if (signal.aborted) break;
          this.options.logger.error("receive failed; retrying", { queues: askable, error });
          await sleep(receiveErrorBackoffMs, signal);
        } finally {
          budget.unreserve(reserved - kept);
        }
        if (received > 0) this.options.onBuffered();
        // Nothing anywhere: the queues asked are watched now, and the loop's top waits for one to answer.
      }
    } finally {
      signal.removeEventListener("abort", unwatch);
      await Promise.all([...this.watches]);
    }
  }

  /** The queue whose buffered message should start next, or undefined when none may start. */
  nextToStart(): string | undefined {
    const { buffers, selection } = this.options;
    const ready = this.activeQueues().filter((queue) => buffers.get(queue)!.size > 0);
    return selection.order === "strict" ? ready[0] : this.started.behind(ready);
  }

  /** A message of `queue` started. */
  countStart(queue: string): void {
    this.started.count(queue, 1);
  }

  /** Pauses changed: a waiting pass looks again. */
  pausesChanged(): void {
    this.wake();
  }

  /** Active queues with no long poll on them. */
  private askable(): string[] {
    return this.activeQueues().filter((queue) => !this.watched.has(queue));
  }

  private activeQueues(): string[] {
    return this.options.selection.queues.filter((queue) => !this.options.isPaused(queue));
  }

  /**
   * Receives for one pass. `kept` is the room a long poll on the only active queue holds until it answers; with
   * several queues each watch asks for one message outside the budget (so a worker with fewer slots than queues
   * still watches them all), and the worker may hold up to one message per queue beyond its budget.
   */
  private async pass(active: readonly string[], askable: readonly string[], reserved: number, signal: AbortSignal): Promise<{ kept: number; received: number }> {
    if (active.length === 1) {
      this.watch(askable[0]!, reserved, true, signal);
      return { kept: reserved, received: 0 };
    }
    const most = this.options.backend.capabilities.maxReceiveBatch;
    const emptied = (queue: string) => {
      this.fetched.forfeit(queue, this.options.selection.queues);
      this.watch(queue, 1, false, signal);
    };
    if (this.options.selection.order === "strict") {
      for (const queue of askable) {
        const got = await this.receive(queue, Math.min(reserved, most), 0, signal);
        if (got > 0) return { kept: 0, received: got };
        if (signal.aborted) break;
        emptied(queue);
      }
      return { kept: 0, received: 0 };
    }
    const split = this.fetched.split(askable, reserved, most);
    const answers = await Promise.all([...split].map(async ([queue, asked]) => ({ queue, got: await this.receive(queue, asked, 0, signal) })));
    let received = 0;
    for (const { queue, got } of answers) {
      this.fetched.count(queue, got);
      received += got;
    }
    if (!signal.aborted) for (const { queue, got } of answers) if (got === 0) emptied(queue);
    return { kept: 0, received };
  }

  /** One receive; its messages go to the queue's buffer, or back when the queue was paused or stop() began meanwhile. Resolves with how many were buffered. */
  private async receive(queue: string, maxMessages: number, waitMs: number, signal: AbortSignal): Promise<number> {
    const { backend, leaseMs } = this.options;
    const messages = await backend.receive({ queue, maxMessages, waitMs, leaseMs, signal, ...this.options.receiveOptions });
    if (messages.length === 0) return 0;
    if (signal.aborted || this.options.isPaused(queue)) {
      await this.options.handBack(queue, messages);
      return 0;
    }
    // Counted from when the lease began where the backend says (the answer may come much later), else from now.
    this.options.buffers.get(queue)!.add(queue, messages, Date.now());
    return messages.length;
  }

  /**
   * A long poll on an empty queue; its answer starts the next pass. An empty answer polls again, except that the
   * whole room held for a lone queue is given back once other queues are active again (after a resume).
   */
  private watch(queue: string, room: number, holdsBudget: boolean, signal: AbortSignal): void {
    this.watched.add(queue);
    const watching = (async () => {
      try {
        for (;;) {
          let got = 0;
          try {
            got = await this.receive(queue, room, this.options.pollWaitMs, signal);
          } catch (error) {
            if (signal.aborted) return;
            this.options.logger.error("receive failed; retrying", { queue, error });
            await sleep(receiveErrorBackoffMs, signal);
          }
          if (got > 0) this.options.onBuffered();
          if (got > 0 || signal.aborted || this.options.isPaused(queue)) return;
          if (holdsBudget && this.activeQueues().length > 1) return;
        }
      } finally {
        this.watched.delete(queue);
        if (holdsBudget) this.options.budget.unreserve(room);
        this.wake();
      }
    })();
    this.watches.add(watching);
    void watching.finally(() => this.watches.delete(watching));
  }

  private wake(): void {
    this.events += 1;
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  /** Waits for an event after `seen` (at once when one came meanwhile) or for `signal`. */
  private nextEvent(seen: number, signal: AbortSignal): Promise<void> {
    if (this.events !== seen || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => (this.wakeUp = resolve));
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

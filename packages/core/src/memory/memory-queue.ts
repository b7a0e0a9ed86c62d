import type { EnqueueResult, NackOptions, OutgoingMessage, QueueStats, ReceivedMessage } from "../backend/backend.js";
import { BinaryHeap } from "./binary-heap.js";
import { LeaseHeap, type LeasedItem } from "./lease-heap.js";

/** What orders and groups a message beyond its arrival: one object per message that has any, else one shared by all. */
export interface MessageKeys {
  readonly priority: number;
  readonly orderingKey: string | undefined;
  readonly dedupeKey: string | undefined;
}

/** Most messages have no priority, ordering key or dedupe key: they share this, two fields fewer each. */
const noKeys: MessageKeys = Object.freeze({ priority: 0, orderingKey: undefined, dedupeKey: undefined });

export interface StoredMessage extends LeasedItem {
  readonly id: string;
  readonly body: string;
  readonly sequence: number;
  readonly keys: MessageKeys;
  /** When it becomes ready while it waits (ready or delayed); while leased, when its lease ends (ms from the queue's epoch). */
  at: number;
  deliveries: number;
  /** Token of the current lease; 0 when not leased. Stale tokens make ack/nack no-ops. */
  leaseToken: number;
}

/** A message as `take` leases it: the token of this lease, and when it was due (read before the lease moved `at`). */
export interface TakenMessage {
  readonly message: StoredMessage;
  readonly token: number;
  readonly dueAt: number;
}

/**
 * One queue's state. Messages sharing an ordering key wait in a FIFO list and
 * only its head is ever ready, delayed or leased, so a key runs one at a time.
 * A leased message is in the lease heap only (once, moved when renewed): a held
 * message costs its stored record and its received handle, nothing per lease.
 */
export class MemoryQueue {
  private sequence = 0;
  private leaseTokens = 0;
  /**
   * Times are kept in ms from the first time this queue was given, so they stay small integers (V8 keeps
   * them in the message itself rather than a boxed number each). Every `now` is converted as it comes in.
   */
  private epoch: number | undefined;
  private readonly ready = new BinaryHeap<StoredMessage>((a, b) => a.keys.priority > b.keys.priority || (a.keys.priority === b.keys.priority && a.sequence < b.sequence));
  private readonly delayed = new BinaryHeap<StoredMessage>((a, b) => a.at < b.at || (a.at === b.at && a.sequence < b.sequence));
  private readonly leases = new LeaseHeap<StoredMessage>();
  private readonly byOrderingKey = new Map<string, StoredMessage[]>();
  private readonly byDedupeKey = new Map<string, string>();
  private readonly listeners = new Set<() => void>();

  enqueue(message: OutgoingMessage, nowMs: number): EnqueueResult {
    const now = this.relative(nowMs);
    if (message.dedupeKey !== undefined) {
      const existingId = this.byDedupeKey.get(message.dedupeKey);
      if (existingId !== undefined) return { status: "duplicate", id: message.id, existingId };
      this.byDedupeKey.set(message.dedupeKey, message.id);
    }
    const { priority = 0, orderingKey, dedupeKey } = message;
    const stored: StoredMessage = {
      id: message.id,
      body: message.body,
      sequence: ++this.sequence,
      keys: priority === 0 && orderingKey === undefined && dedupeKey === undefined ? noKeys : { priority, orderingKey, dedupeKey },
      at: now + (message.delayMs ?? 0),
      deliveries: 0,
      leaseToken: 0,
      leaseIndex: -1,
    };
    if (orderingKey !== undefined) {
      const line = this.byOrderingKey.get(orderingKey);
      if (line) {
        line.push(stored);
        return { status: "enqueued", id: message.id };
      }
      this.byOrderingKey.set(orderingKey, [stored]);
    }
    this.schedule(stored, now);
    return { status: "enqueued", id: message.id };
  }

  take(maxMessages: number, leaseMs: number, nowMs: number): TakenMessage[] {
    const now = this.relative(nowMs);
    this.promoteDue(now);
    const taken: TakenMessage[] = [];
    while (taken.length < maxMessages && this.ready.size > 0) taken.push(this.lease(this.ready.pop()!, leaseMs, now));
    return taken;
  }

  /** Leases delayed messages, soonest due first (`dueAt` keeps the due time). */
  takeScheduled(maxMessages: number, leaseMs: number, nowMs: number): TakenMessage[] {
    const now = this.relative(nowMs);
    this.promoteDue(now);
    const taken: TakenMessage[] = [];
    while (taken.length < maxMessages && this.delayed.size > 0) taken.push(this.lease(this.delayed.pop()!, leaseMs, now));
    return taken;
  }

  private lease(message: StoredMessage, leaseMs: number, now: number): TakenMessage {
    const dueAt = message.at + this.epoch!;
    message.deliveries += 1;
    message.leaseToken = ++this.leaseTokens;
    message.at = now + leaseMs;
    this.leases.push(message);
    return { message, token: message.leaseToken, dueAt };
  }

  ack(message: StoredMessage, token: number, nowMs: number): void {
    const now = this.relative(nowMs);
    if (!this.releaseLease(message, token)) return;
    const { orderingKey, dedupeKey } = message.keys;
    if (dedupeKey !== undefined && this.byDedupeKey.get(dedupeKey) === message.id) this.byDedupeKey.delete(dedupeKey);
    if (orderingKey !== undefined) {
      const line = this.byOrderingKey.get(orderingKey)!;
      line.shift();
      const next = line[0];
      if (next) this.schedule(next, now);
      else this.byOrderingKey.delete(orderingKey);
    }
  }

  nack(message: StoredMessage, token: number, retryAfterMs: number, nowMs: number, countAttempt = true): void {
    const now = this.relative(nowMs);
    if (!this.releaseLease(message, token)) return;
    // The token stays spent (tokens only grow), so a late call of this delivery still finds its lease gone.
    if (!countAttempt) message.deliveries -= 1;
    message.at = now + retryAfterMs;
    this.schedule(message, now);
  }

  extendLease(message: StoredMessage, token: number, leaseMs: number, nowMs: number): boolean {
    const now = this.relative(nowMs);
    if (message.leaseToken !== token || message.at < now) return false;
    message.at = now + leaseMs;
    this.leases.update(message);
    return true;
  }

  /** When something next becomes ready (a delay or a lease running out), if anything is pending. */
  nextChangeAt(): number | undefined {
    const times = [this.delayed.peek()?.at, this.leases.peek()?.at].filter((time): time is number => time !== undefined);
    return times.length > 0 ? Math.min(...times) + this.epoch! : undefined;
  }

  stats(nowMs: number): QueueStats {
    this.promoteDue(this.relative(nowMs));
    const waitingBehindKey = [...this.byOrderingKey.values()].reduce((sum, line) => sum + line.length - 1, 0);
    return { ready: this.ready.size + waitingBehindKey, delayed: this.delayed.size, inFlight: this.leases.size };
  }

  /** Called whenever a message may have become ready. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private relative(nowMs: number): number {
    this.epoch ??= nowMs;
    return nowMs - this.epoch;
  }

  /** Ends the lease `token` names; false when it is no longer the message's (acked, nacked, run out, taken again). */
  private releaseLease(message: StoredMessage, token: number): boolean {
    if (message.leaseToken !== token) return false;
    this.leases.remove(message);
    message.leaseToken = 0;
    return true;
  }

  private schedule(message: StoredMessage, now: number): void {
    if (message.at > now) {
      this.delayed.push(message);
      return;
    }
    this.ready.push(message);
    for (const listener of [...this.listeners]) listener();
  }

  private promoteDue(now: number): void {
    while ((this.delayed.peek()?.at ?? Infinity) <= now) this.ready.push(this.delayed.pop()!);
    for (let leased = this.leases.peek(); leased !== undefined && leased.at <= now; leased = this.leases.peek()) {
      this.leases.remove(leased);
      leased.leaseToken = 0;
      leased.at = now;
      this.ready.push(leased);
    }
  }
}

/** What the messages of one receive share: their queue, its clock, and when the receive began (ReceivedMessage.leaseFrom). */
interface Receipt {
  readonly queue: MemoryQueue;
  readonly nowMs: () => number;
  readonly leaseFrom: number | undefined;
}

/** Messages taken from `queue` as the backend contract hands them out, timed by `nowMs` (real or a test clock). */
export function receivedMessages(queue: MemoryQueue, taken: readonly TakenMessage[], countsDeliveries: boolean, nowMs: () => number, leaseFrom?: number): ReceivedMessage[] {
  const receipt: Receipt = { queue, nowMs, leaseFrom };
  return taken.map(({ message, token }) => new MemoryReceivedMessage(receipt, message, token, countsDeliveries ? message.deliveries : undefined));
}

/**
 * One delivery: its methods on the prototype rather than three closures per message a worker holds, and what a
 * whole receive shares (queue, clock, when it began) kept once for all of its messages. `id`, `body` and
 * `deliveryAttempt` are own properties, so a wrapper that spreads it (`{ ...message, ack }`) keeps them; the
 * optional `leaseFrom` is read from the receive (a spread copy without it counts its lease from the answer,
 * which in process is the same moment).
 */
class MemoryReceivedMessage implements ReceivedMessage {
  readonly id: string;
  readonly body: string;
  readonly #receipt: Receipt;
  readonly #message: StoredMessage;
  readonly #token: number;

  constructor(
    receipt: Receipt,
    message: StoredMessage,
    token: number,
    readonly deliveryAttempt: number | undefined,
  ) {
    this.id = message.id;
    this.body = message.body;
    this.#receipt = receipt;
    this.#message = message;
    this.#token = token;
  }

  get leaseFrom(): number | undefined {
    return this.#receipt.leaseFrom;
  }

  async ack(): Promise<void> {
    const { queue, nowMs } = this.#receipt;
    queue.ack(this.#message, this.#token, nowMs());
  }

  async nack(options?: NackOptions): Promise<void> {
    const { queue, nowMs } = this.#receipt;
    queue.nack(this.#message, this.#token, options?.retryAfterMs ?? 0, nowMs(), options?.countAttempt ?? true);
  }

  async extendLease(leaseMs: number): Promise<boolean> {
    const { queue, nowMs } = this.#receipt;
    return queue.extendLease(this.#message, this.#token, leaseMs, nowMs());
  }
}

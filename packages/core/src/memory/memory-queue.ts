import type { EnqueueResult, NackOptions, OutgoingMessage, QueueStats, ReceivedMessage } from "../backend/backend.js";
import { BinaryHeap } from "./binary-heap.js";

export interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly priority: number;
  readonly sequence: number;
  readonly orderingKey: string | undefined;
  readonly dedupeKey: string | undefined;
  availableAt: number;
  deliveries: number;
  /** Token of the current lease; 0 when not leased. Stale tokens make ack/nack no-ops. */
  leaseToken: number;
  leaseUntil: number;
}

/**
 * One queue's state. Messages sharing an ordering key wait in a FIFO list and
 * only its head is ever ready, delayed or leased, so a key runs one at a time.
 */
export class MemoryQueue {
  private sequence = 0;
  private leaseTokens = 0;
  private readonly ready = new BinaryHeap<StoredMessage>((a, b) => a.priority > b.priority || (a.priority === b.priority && a.sequence < b.sequence));
  private readonly delayed = new BinaryHeap<StoredMessage>((a, b) => a.availableAt < b.availableAt || (a.availableAt === b.availableAt && a.sequence < b.sequence));
  private readonly leases = new BinaryHeap<{ message: StoredMessage; token: number; until: number }>((a, b) => a.until < b.until);
  // By lease token, not job id: two messages may carry one id (a job sent twice), and one's lease is not the other's.
  private readonly inFlight = new Map<number, StoredMessage>();
  private readonly byOrderingKey = new Map<string, StoredMessage[]>();
  private readonly byDedupeKey = new Map<string, string>();
  private readonly listeners = new Set<() => void>();

  enqueue(message: OutgoingMessage, now: number): EnqueueResult {
    if (message.dedupeKey !== undefined) {
      const existingId = this.byDedupeKey.get(message.dedupeKey);
      if (existingId !== undefined) return { status: "duplicate", id: message.id, existingId };
      this.byDedupeKey.set(message.dedupeKey, message.id);
    }
    const stored: StoredMessage = {
      id: message.id,
      body: message.body,
      priority: message.priority ?? 0,
      sequence: ++this.sequence,
      orderingKey: message.orderingKey,
      dedupeKey: message.dedupeKey,
      availableAt: now + (message.delayMs ?? 0),
      deliveries: 0,
      leaseToken: 0,
      leaseUntil: 0,
    };
    if (stored.orderingKey !== undefined) {
      const line = this.byOrderingKey.get(stored.orderingKey);
      if (line) {
        line.push(stored);
        return { status: "enqueued", id: message.id };
      }
      this.byOrderingKey.set(stored.orderingKey, [stored]);
    }
    this.schedule(stored, now);
    return { status: "enqueued", id: message.id };
  }

  take(maxMessages: number, leaseMs: number, now: number): { message: StoredMessage; token: number }[] {
    this.promoteDue(now);
    const taken: { message: StoredMessage; token: number }[] = [];
    while (taken.length < maxMessages && this.ready.size > 0) taken.push(this.lease(this.ready.pop()!, leaseMs, now));
    return taken;
  }

  /** Leases delayed messages, soonest due first (`availableAt` keeps the due time). */
  takeScheduled(maxMessages: number, leaseMs: number, now: number): { message: StoredMessage; token: number }[] {
    this.promoteDue(now);
    const taken: { message: StoredMessage; token: number }[] = [];
    while (taken.length < maxMessages && this.delayed.size > 0) taken.push(this.lease(this.delayed.pop()!, leaseMs, now));
    return taken;
  }

  private lease(message: StoredMessage, leaseMs: number, now: number): { message: StoredMessage; token: number } {
    message.deliveries += 1;
    message.leaseToken = ++this.leaseTokens;
    message.leaseUntil = now + leaseMs;
    this.inFlight.set(message.leaseToken, message);
    this.leases.push({ message, token: message.leaseToken, until: message.leaseUntil });
    return { message, token: message.leaseToken };
  }

  ack(id: string, token: number, now: number): void {
    const message = this.releaseLease(id, token);
    if (!message) return;
    if (message.dedupeKey !== undefined && this.byDedupeKey.get(message.dedupeKey) === message.id) this.byDedupeKey.delete(message.dedupeKey);
    if (message.orderingKey !== undefined) {
      const line = this.byOrderingKey.get(message.orderingKey)!;
      line.shift();
      const next = line[0];
      if (next) this.schedule(next, now);
      else this.byOrderingKey.delete(message.orderingKey);
    }
  }

  nack(id: string, token: number, retryAfterMs: number, now: number, countAttempt = true): void {
    const message = this.releaseLease(id, token);
    if (!message) return;
    // The token stays spent (tokens only grow), so a late call of this delivery still finds its lease gone.
    if (!countAttempt) message.deliveries -= 1;
    message.availableAt = now + retryAfterMs;
    this.schedule(message, now);
  }

  extendLease(id: string, token: number, leaseMs: number, now: number): boolean {
    const message = this.inFlight.get(token);
    if (message?.id !== id || message.leaseToken !== token || message.leaseUntil < now) return false;
    message.leaseUntil = now + leaseMs;
    this.leases.push({ message, token, until: message.leaseUntil });
    return true;
  }

  /** When something next becomes ready (a delay or a lease running out), if anything is pending. */
  nextChangeAt(): number | undefined {
    const times = [this.delayed.peek()?.availableAt, this.leases.peek()?.until].filter((time): time is number => time !== undefined);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  stats(now: number): QueueStats {
    this.promoteDue(now);
    const waitingBehindKey = [...this.byOrderingKey.values()].reduce((sum, line) => sum + line.length - 1, 0);
    return { ready: this.ready.size + waitingBehindKey, delayed: this.delayed.size, inFlight: this.inFlight.size };
  }

  /** Called whenever a message may have become ready. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private releaseLease(id: string, token: number): StoredMessage | undefined {
    const message = this.inFlight.get(token);
    if (message?.id !== id || message.leaseToken !== token) return undefined;
    this.inFlight.delete(token);
    message.leaseToken = 0;
    return message;
  }

  private schedule(message: StoredMessage, now: number): void {
    if (message.availableAt > now) {
      this.delayed.push(message);
      return;
    }
    this.ready.push(message);
    for (const listener of [...this.listeners]) listener();
  }

  private promoteDue(now: number): void {
    while ((this.delayed.peek()?.availableAt ?? Infinity) <= now) this.ready.push(this.delayed.pop()!);
    while ((this.leases.peek()?.until ?? Infinity) <= now) {
      const { message, token, until } = this.leases.pop()!;
      // Entries left behind by acks or extensions no longer match the message.
      if (message.leaseToken !== token || message.leaseUntil !== until) continue;
      this.inFlight.delete(token);
      message.leaseToken = 0;
      message.availableAt = now;
      this.ready.push(message);
    }
  }
}

/** Messages taken from `queue` as the backend contract hands them out, timed by `nowMs` (real or a test clock). */
export function receivedMessages(queue: MemoryQueue, taken: ReturnType<MemoryQueue["take"]>, countsDeliveries: boolean, nowMs: () => number, leaseFrom?: number): ReceivedMessage[] {
  return taken.map(({ message, token }) => new MemoryReceivedMessage(queue, message, token, countsDeliveries ? message.deliveries : undefined, nowMs, leaseFrom));
}

/** One delivery: its methods on the prototype rather than three closures per message a worker holds. */
class MemoryReceivedMessage implements ReceivedMessage {
  readonly id: string;
  readonly body: string;
  readonly #queue: MemoryQueue;
  readonly #token: number;
  readonly #nowMs: () => number;

  constructor(
    queue: MemoryQueue,
    message: StoredMessage,
    token: number,
    readonly deliveryAttempt: number | undefined,
    nowMs: () => number,
    readonly leaseFrom: number | undefined,
  ) {
    this.id = message.id;
    this.body = message.body;
    this.#queue = queue;
    this.#token = token;
    this.#nowMs = nowMs;
  }

  async ack(): Promise<void> {
    this.#queue.ack(this.id, this.#token, this.#nowMs());
  }

  async nack(options?: NackOptions): Promise<void> {
    this.#queue.nack(this.id, this.#token, options?.retryAfterMs ?? 0, this.#nowMs(), options?.countAttempt ?? true);
  }

  async extendLease(leaseMs: number): Promise<boolean> {
    return this.#queue.extendLease(this.id, this.#token, leaseMs, this.#nowMs());
  }
}

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

/**
 * A message as its queue keeps it. While it waits (ready, delayed, or behind its ordering key) it is a plain
 * object of these fields; while leased, the `MemoryReceivedMessage` its receiver holds carries them (one object
 * per held message, not a stored record plus a handle).
 */
export interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly sequence: number;
  readonly keys: MessageKeys;
  /** When it becomes ready while it waits (ready or delayed); while leased, when its lease ends (ms from the queue's epoch). */
  at: number;
  /** Deliveries so far, the lease it is in included. */
  readonly deliveries: number;
}

/** What the messages of one receive share: their queue, its clock, when the receive began (ReceivedMessage.leaseFrom), whether deliveries are reported. */
export interface Receipt {
  readonly queue: MemoryQueue;
  readonly nowMs: () => number;
  readonly leaseFrom: number | undefined;
  readonly countsDeliveries: boolean;
}

/**
 * One queue's state. Messages sharing an ordering key wait in a FIFO list and
 * only its head is ever ready, delayed or leased, so a key runs one at a time.
 * A leased message is its receiver's `MemoryReceivedMessage`, in the lease heap
 * once (moved when renewed); its lease ends when it leaves the heap (ack, nack,
 * expiry), and a call through it after that finds it gone and changes nothing.
 * A message that waits again is a fresh plain record, so a stale receiver never
 * reaches its next lease.
 */
export class MemoryQueue {
  private sequence = 0;
  /**
   * Times are kept in ms from the first time this queue was given, so they stay small integers (V8 keeps
   * them in the message itself rather than a boxed number each). Every `now` is converted as it comes in.
   */
  private epoch: number | undefined;
  private readonly ready = new BinaryHeap<StoredMessage>((a, b) => a.keys.priority > b.keys.priority || (a.keys.priority === b.keys.priority && a.sequence < b.sequence));
  private readonly delayed = new BinaryHeap<StoredMessage>((a, b) => a.at < b.at || (a.at === b.at && a.sequence < b.sequence));
  private readonly leases = new LeaseHeap<MemoryReceivedMessage>();
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

  /** Leases ready messages, highest priority first, for the receive `receipt` describes. */
  take(maxMessages: number, leaseMs: number, nowMs: number, receipt: Receipt): MemoryReceivedMessage[] {
    const now = this.relative(nowMs);
    this.promoteDue(now);
    const taken: MemoryReceivedMessage[] = [];
    while (taken.length < maxMessages && this.ready.size > 0) taken.push(this.lease(this.ready.pop()!, leaseMs, now, receipt));
    return taken;
  }

  /** Leases delayed messages, soonest due first (`dueAt` keeps the due time). */
  takeScheduled(maxMessages: number, leaseMs: number, nowMs: number, receipt: Receipt): (MemoryReceivedMessage & { readonly dueAt: number })[] {
    const now = this.relative(nowMs);
    this.promoteDue(now);
    const taken: (MemoryReceivedMessage & { readonly dueAt: number })[] = [];
    while (taken.length < maxMessages && this.delayed.size > 0) {
      const waiting = this.delayed.pop()!;
      const dueAt = waiting.at + this.epoch!;
      taken.push(Object.assign(this.lease(waiting, leaseMs, now, receipt), { dueAt }));
    }
    return taken;
  }

  private lease(waiting: StoredMessage, leaseMs: number, now: number, receipt: Receipt): MemoryReceivedMessage {
    const leased = new MemoryReceivedMessage(receipt, waiting, now + leaseMs);
    this.leases.push(leased);
    return leased;
  }

  ack(leased: MemoryReceivedMessage, nowMs: number): void {
    const now = this.relative(nowMs);
    if (!this.endLease(leased)) return;
    const { orderingKey, dedupeKey } = leased.keys;
    if (dedupeKey !== undefined && this.byDedupeKey.get(dedupeKey) === leased.id) this.byDedupeKey.delete(dedupeKey);
    if (orderingKey !== undefined) {
      // The line's head stands for this message (as it waited before this lease): only a line's head is ever leased.
      const line = this.byOrderingKey.get(orderingKey)!;
      line.shift();
      const next = line[0];
      if (next) this.schedule(next, now);
      else this.byOrderingKey.delete(orderingKey);
    }
  }

  nack(leased: MemoryReceivedMessage, retryAfterMs: number, nowMs: number, countAttempt = true, body = leased.body): void {
    const now = this.relative(nowMs);
    if (!this.endLease(leased)) return;
    this.schedule(waitingAgain(leased, now + retryAfterMs, countAttempt ? 0 : -1, body), now);
  }

  extendLease(leased: MemoryReceivedMessage, leaseMs: number, nowMs: number): boolean {
    const now = this.relative(nowMs);
    if (leased.leaseIndex < 0 || leased.at < now) return false;
    leased.at = now + leaseMs;
    this.leases.update(leased);
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

  /** Ends the lease `leased` is; false when it already ended (acked, nacked, run out). */
  private endLease(leased: MemoryReceivedMessage): boolean {
    if (leased.leaseIndex < 0) return false;
    this.leases.remove(leased);
    return true;
  }

  private schedule(message: StoredMessage, now: number): void {
    if (message.at > now) {
      const soonest = this.delayed.peek()?.at;
      this.delayed.push(message);
      // A waiting receive sleeps until the soonest change it knew of: one due sooner wakes it to look again.
      if (soonest === undefined || message.at < soonest) this.notify();
      return;
    }
    this.ready.push(message);
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private promoteDue(now: number): void {
    while ((this.delayed.peek()?.at ?? Infinity) <= now) this.ready.push(this.delayed.pop()!);
    for (let leased = this.leases.peek(); leased !== undefined && leased.at <= now; leased = this.leases.peek()) {
      this.leases.remove(leased);
      this.ready.push(waitingAgain(leased, now, 0));
    }
  }
}

/** A copy of a message whose lease ended without an ack, to wait again from `at`; one delivery fewer for an uncounted hand-back. */
function waitingAgain(leased: StoredMessage, at: number, deliveriesChange: 0 | -1, body = leased.body): StoredMessage {
  return { id: leased.id, body, sequence: leased.sequence, keys: leased.keys, at, deliveries: leased.deliveries + deliveriesChange };
}

/**
 * One lease of a message, as the backend contract hands it out and as its queue keeps it while leased (see
 * `StoredMessage`): its methods on the prototype rather than three closures per message a worker holds, and what
 * a whole receive shares (queue, clock, when it began) kept once for all of its messages. `id`, `body` and
 * `deliveryAttempt` are own properties, so a wrapper that spreads it (`{ ...message, ack }`) keeps them; the
 * optional `leaseFrom` is read from the receive (a spread copy without it counts its lease from the answer,
 * which in process is the same moment). The other fields are the queue's.
 */
export class MemoryReceivedMessage implements ReceivedMessage, StoredMessage, LeasedItem {
  readonly id: string;
  readonly body: string;
  readonly deliveryAttempt: number | undefined;
  readonly sequence: number;
  readonly keys: MessageKeys;
  at: number;
  readonly deliveries: number;
  leaseIndex = -1;
  readonly #receipt: Receipt;

  /** `leaseEnd`: when this lease ends, in the queue's ms. */
  constructor(receipt: Receipt, waiting: StoredMessage, leaseEnd: number) {
    const deliveries = waiting.deliveries + 1;
    this.id = waiting.id;
    this.body = waiting.body;
    this.deliveryAttempt = receipt.countsDeliveries ? deliveries : undefined;
    this.sequence = waiting.sequence;
    this.keys = waiting.keys;
    this.at = leaseEnd;
    this.deliveries = deliveries;
    this.#receipt = receipt;
  }

  get leaseFrom(): number | undefined {
    return this.#receipt.leaseFrom;
  }

  async ack(): Promise<void> {
    const { queue, nowMs } = this.#receipt;
    queue.ack(this, nowMs());
  }

  async nack(options?: NackOptions): Promise<void> {
    const { queue, nowMs } = this.#receipt;
    queue.nack(this, options?.retryAfterMs ?? 0, nowMs(), options?.countAttempt ?? true, options?.body);
  }

  async extendLease(leaseMs: number): Promise<boolean> {
    const { queue, nowMs } = this.#receipt;
    return queue.extendLease(this, leaseMs, nowMs());
  }
}

import type { ReceivedMessage } from "../backend/backend.js";
import type { Logger } from "../logger.js";
import { fromWallClock, leaseClock } from "./lease-clock.js";

/** A message received ahead of a free slot, with when its lease was last started. */
interface BufferedMessage {
  readonly message: ReceivedMessage;
  readonly queue: string;
  /**
   * When its current lease started, on this process's clock: when the receive returned (a backend starts the
   * lease as it answers; a long poll waits before that) or when the last renewal was sent.
   */
  leaseFrom: number;
  renewing: boolean;
}

/** How often a buffer renews its messages' leases (and looks for an excess to give back): every eighth of a lease. */
export function renewalIntervalMs(leaseMs: number): number {
  return Math.max(10, Math.floor(leaseMs / 8));
}

export interface PrefetchBufferOptions {
  readonly leaseMs: number;
  /** The backend can extend leases; without it nothing should stay buffered long (the worker then buffers nothing). */
  readonly renewLeases: boolean;
  readonly logger: Logger;
  /** A message left the buffer without being taken (its lease is lost or ran out): there is room to fetch again. */
  readonly onDropped: () => void;
  /** How many of this buffer's `size` messages the worker holds beyond what its buffers should (its share of the excess). */
  readonly beyondTarget?: (size: number) => number;
  /** Takes messages this buffer gives back unstarted (the excess `beyondTarget` counts). */
  readonly giveBack?: (messages: readonly ReceivedMessage[]) => void;
  /** Messages were added (their bodies size the buffer). */
  readonly onAdded?: (messages: readonly ReceivedMessage[]) => void;
  /** Characters of body the worker's buffers hold beyond its `prefetchBytes` (0 or less: within it). */
  readonly bodyCharsOverBound?: () => number;
  /** How many of this buffer's first messages start in free slots at once: kept, and not counted against the bound. */
  readonly keptForSlots?: (buffer: PrefetchBuffer) => number;
}

/**
 * Messages received beyond the free slots, in the order the backend handed
 * them out (its priority order within a receive). Each keeps its lease: it is
 * renewed every eighth of a lease while it waits, so a message taken from here
 * has at least three quarters of a lease left when its job starts (the job's
 * own heartbeat comes after half a lease). A message whose lease is lost, or
 * ran out because renewals failed, is dropped and never run: another worker
 * may hold its redelivered copy. This buffer's share of what the worker holds
 * beyond what its budget receives toward, seen at two renewals in a row (the jobs turned slow or hang
 * after the buffer filled: see PrefetchTarget.noteRunning), is given back
 * instead, the last received first, so a full buffer of jobs that now take long
 * is not kept from idle workers. A receive whose bodies take the worker's
 * buffers beyond `prefetchBytes` gives the last received back at once, down to
 * the bound, keeping what the free slots start (not counted against it) and,
 * when nothing else is buffered, one message (a body larger than the bound
 * alone still runs).
 */
export class PrefetchBuffer {
  private readonly entries: BufferedMessage[] = [];
  /** Characters of body in `entries`. */
  private chars = 0;
  private sweep: NodeJS.Timeout | undefined;
  /** What the last renewal found beyond the target: only an excess seen twice in a row goes back. */
  private lastExcess = 0;
  private readonly renewEveryMs: number;

  constructor(private readonly options: PrefetchBufferOptions) {
    this.renewEveryMs = renewalIntervalMs(options.leaseMs);
  }

  get size(): number {
    return this.entries.length;
  }

  get bodyChars(): number {
    return this.chars;
  }

  /** `answeredAt`: when the receive answered, the lease's start for a message that does not say when its lease began (`leaseFrom`). */
  add(queue: string, messages: readonly ReceivedMessage[], answeredAt: number): void {
    for (const message of messages) {
      this.entries.push({ message, queue, leaseFrom: fromWallClock(Math.min(message.leaseFrom ?? answeredAt, answeredAt)), renewing: false });
      this.chars += message.body.length;
    }
    this.options.onAdded?.(messages);
    this.giveBackOverBodyBound();
    if (this.entries.length > 0 && this.options.renewLeases && !this.sweep) {
      this.sweep = setInterval(() => this.renewLeases(), this.renewEveryMs);
      this.sweep.unref();
    }
  }

  /** The next message to run, or undefined; one with less than half a lease left is dropped instead (its heartbeat could come too late). */
  take(): { readonly message: ReceivedMessage; readonly queue: string; readonly leaseFrom: number } | undefined {
    const now = leaseClock();
    for (let entry = this.entries.shift(); entry; entry = this.entries.shift()) {
      this.chars -= entry.message.body.length;
      if (now - entry.leaseFrom < this.options.leaseMs / 2) {
        this.stopSweepWhenEmpty();
        return entry;
      }
      this.drop(entry, "its lease could not be renewed in time");
    }
    this.stopSweepWhenEmpty();
    return undefined;
  }

  /** Empties the buffer (shutdown): the caller hands these back. */
  drain(): ReceivedMessage[] {
    const messages = this.entries.splice(0).map((entry) => entry.message);
    this.chars = 0;
    this.stopSweepWhenEmpty();
    return messages;
  }

  private renewLeases(): void {
    this.giveBackExcess();
    const now = leaseClock();
    for (const entry of [...this.entries]) {
      if (now - entry.leaseFrom >= this.options.leaseMs) {
        this.remove(entry);
        this.drop(entry, "its lease ran out while renewals failed");
        continue;
      }
      if (entry.renewing || now - entry.leaseFrom < this.renewEveryMs) continue;
      entry.renewing = true;
      const sentAt = leaseClock();
      entry.message.extendLease(this.options.leaseMs).then(
        (held) => {
          entry.renewing = false;
          if (held !== false) {
            entry.leaseFrom = sentAt;
            return;
          }
          // Gone from the buffer already means taken (the running job's heartbeat will find the loss) or handed back.
          if (this.remove(entry)) this.drop(entry, "its lease was lost");
        },
        (error: unknown) => {
          entry.renewing = false;
          this.options.logger.warn("lease renewal of a buffered message failed; retrying", { messageId: entry.message.id, error });
        },
      );
    }
    this.stopSweepWhenEmpty();
  }

  private giveBackExcess(): void {
    const seen = Math.min(this.entries.length, this.options.beyondTarget?.(this.entries.length) ?? 0);
    const excess = Math.min(seen, this.lastExcess);
    this.lastExcess = Math.max(0, seen);
    if (excess <= 0 || !this.options.giveBack) return;
    this.giveBackFrom(this.entries.length - excess);
  }

  private giveBackOverBodyBound(): void {
    let over = this.options.bodyCharsOverBound?.() ?? 0;
    if (over <= 0 || !this.options.giveBack) return;
    const keep = Math.min(this.entries.length, Math.max(0, this.options.keptForSlots?.(this) ?? 1));
    // The messages the free slots start are about to run, not to wait: their bodies are no part of what waits
    // beyond the bound (counted, a receive landing while they wait for their turn gave its whole prefetch back).
    for (let index = 0; index < keep; index++) over -= this.entries[index]!.message.body.length;
    let from = this.entries.length;
    while (over > 0 && from > keep) {
      from -= 1;
      over -= this.entries[from]!.message.body.length;
    }
    if (from < this.entries.length) this.giveBackFrom(from);
  }

  /** Gives back the entries from `from` on (the last received). */
  private giveBackFrom(from: number): void {
    const given = this.entries.splice(from).map((entry) => entry.message);
    for (const message of given) this.chars -= message.body.length;
    this.options.giveBack!(given);
  }

  private remove(entry: BufferedMessage): boolean {
    const index = this.entries.indexOf(entry);
    if (index < 0) return false;
    this.entries.splice(index, 1);
    this.chars -= entry.message.body.length;
    return true;
  }

  private drop(entry: BufferedMessage, reason: string): void {
    this.options.logger.warn(`dropped a buffered message before running it: ${reason}; the backend redelivers it`, { queue: entry.queue, messageId: entry.message.id });
    this.options.onDropped();
  }

  private stopSweepWhenEmpty(): void {
    if (this.entries.length > 0 || !this.sweep) return;
    clearInterval(this.sweep);
    this.sweep = undefined;
    // An excess seen before the buffer emptied says nothing about the next fill.
    this.lastExcess = 0;
  }
}

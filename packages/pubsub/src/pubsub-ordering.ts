import type { protos } from "@google-cloud/pubsub";
import type { PubSubAckBatcher } from "./pubsub-ack-batcher.js";

type PulledMessage = protos.google.pubsub.v1.IReceivedMessage;

interface Held {
  readonly pulled: PulledMessage;
  /** When our lease on it runs out (a local estimate, kept early by a margin), moved only by a renewal that landed. */
  leaseUntil: number;
  /** A renewal is on its way. */
  renewing?: boolean;
}

/** One ordering key's messages this process holds: at most one handed out, the rest waiting in order. */
interface Line {
  out: Held | undefined;
  readonly waiting: Held[];
}

// Waiting messages are renewed to this deadline whenever less than `renewBelowMs` of it is left.
const waitingDeadlineSeconds = 60;
const renewBelowMs = 20_000;
const keeperIntervalMs = 5_000;
// Our clock starts after Pub/Sub's: count a lease as lost a little early.
const leaseMarginMs = 1_000;
/**
 * Shortest redelivery delay for a keyed message. The emulator puts a message nacked with
 * deadline 0 behind the key's undelivered messages; an expired deadline puts it back in order.
 */
export const MIN_KEYED_NACK_SECONDS = 1;

/**
 * Per-key lines for one subscription with message ordering: Pub/Sub may hand
 * out several messages of a key in one pull, but the contract delivers a key
 * one at a time. The first is handed out; the rest stay leased here (their
 * deadlines renewed) and go out one by one, each only after its predecessor's
 * ack. A nacked or lost head takes the whole line back to Pub/Sub, which
 * redelivers it and everything behind it in order.
 *
 * A redelivery also brings back later messages that are still out here (Pub/Sub
 * redelivers a key's later messages, acked or not; the emulator does the same
 * for keyless ones once a deadline runs out): such a copy never goes out beside
 * the running one. It waits, its deadline renewed, and shares that run's outcome.
 */
export class PubSubOrderingLines {
  private readonly lines = new Map<string, Line>();
  /** Every message handed out and not yet settled (keyed or not), by message id: its lease, and the copies that arrived meanwhile. */
  private readonly outCopies = new Map<string, { leaseUntil: number; copies: Held[] }>();
  private readonly wakers = new Set<() => void>();
  private readonly keeper: NodeJS.Timeout;
  /** No worker receives from this subscription (`leave`), until the next receive (`attend`). */
  private left = false;

  constructor(
    private readonly acks: PubSubAckBatcher,
    private readonly subscription: string,
  ) {
    this.keeper = setInterval(() => this.keepAlive(Date.now()), keeperIntervalMs);
    this.keeper.unref();
  }

  /** Files keyed messages into their lines; returns the keyless ones, which need no line. */
  intake(pulled: readonly PulledMessage[], deadlineSeconds: number, now: number): PulledMessage[] {
    const keyless: PulledMessage[] = [];
    for (const message of pulled) {
      const held = { pulled: message, leaseUntil: now + deadlineSeconds * 1000 - leaseMarginMs };
      const messageId = message.message?.messageId;
      const out = messageId === undefined || messageId === null ? undefined : this.outCopies.get(messageId);
      if (out && out.leaseUntil >= now) {
        out.copies.push(held);
        continue;
      }
      // A copy of one whose lease ran out: this delivery is the live one now (copies parked before it are stale).
      if (out) this.outCopies.delete(messageId!);
      const key = message.message?.orderingKey;
      if (!key) {
        keyless.push(message);
        continue;
      }
      let line = this.lines.get(key);
      if (line?.out?.pulled.message?.messageId === messageId) {
        // The head itself, whose lease ran out (a copy of a live one waits above): start over from it.
        this.lines.delete(key);
        line = undefined;
      } else if (line?.waiting.some((waiting) => waiting.pulled.message?.messageId === messageId)) {
        // Pub/Sub redelivered something waiting here, so our ack ids behind the head are stale: start over from
        // here, behind the head that is out (it runs on; the next goes out only after its outcome).
        line = { out: line.out, waiting: [] };
        this.lines.set(key, line);
      }
      if (!line) {
        line = { out: undefined, waiting: [] };
        this.lines.set(key, line);
      }
      line.waiting.push(held);
    }
    return keyless;
  }

  /** Heads of lines with nothing out, up to `max`; each is out from now on. */
  takeReady(max: number, now = Date.now()): PulledMessage[] {
    const taken: PulledMessage[] = [];
    for (const [key, line] of this.lines) {
      if (taken.length >= max) break;
      if (line.out || line.waiting.length === 0) continue;
      if (this.dropLapsed(key, line, now)) continue;
      line.out = line.waiting.shift()!;
      taken.push(line.out.pulled);
    }
    return taken;
  }

  /** The handed-out message's lease now runs until `leaseUntil` (handed out, or extended). */
  leased(key: string, ackId: string, leaseUntil: number): void {
    const out = this.outFor(key, ackId);
    if (out) out.leaseUntil = leaseUntil - leaseMarginMs;
  }

  /** The handed-out message was acked: the next of its key may go out, unless its lease had already run out. */
  acked(key: string, ackId: string, now: number): void {
    const line = this.lines.get(key);
    if (!line || line.out?.pulled.ackId !== ackId) return;
    if (line.out.leaseUntil < now) {
      void this.release(key, MIN_KEYED_NACK_SECONDS).catch(() => {});
      return;
    }
    line.out = undefined;
    if (line.waiting.length === 0) this.lines.delete(key);
    // Nobody receives: the rest of the line goes back now that nothing of its key is out, rather than waiting renewed.
    else if (this.left) void this.release(key, MIN_KEYED_NACK_SECONDS).catch(() => {});
    else this.wake();
  }

  /** A receive is made from this subscription: lines wait for it again. */
  attend(): void {
    this.left = false;
  }

  /**
   * The backend's last worker receiving from this subscription stopped: a line with nothing out goes back to Pub/Sub
   * now, in order per key; one whose head is still out goes back once that head is acked (released earlier, its later
   * messages could be redelivered to another process while the head still runs). Until then it waits, renewed.
   */
  leave(): void {
    this.left = true;
    for (const [key, line] of [...this.lines]) if (!line.out) void this.release(key, MIN_KEYED_NACK_SECONDS).catch(() => {});
  }

  /**
   * Gives a handed-out message back after `delaySeconds`, and everything waiting behind it
   * with it, in order, in one request: Pub/Sub then redelivers the key from this message on.
   */
  async nacked(key: string, ackId: string, delaySeconds: number): Promise<void> {
    if (this.outFor(key, ackId)) return this.release(key, delaySeconds);
    await this.acks.modifyAckDeadline(this.subscription, ackId, delaySeconds);
  }

  /** The message is out (run or buffered by the caller) until `leaseUntil`: copies of it wait until `settled`. */
  handedOut(messageId: string, leaseUntil: number): void {
    this.outCopies.set(messageId, { leaseUntil: leaseUntil - leaseMarginMs, copies: [] });
  }

  /** The out message's lease was extended to `leaseUntil`. */
  extended(messageId: string, leaseUntil: number): void {
    const out = this.outCopies.get(messageId);
    if (out) out.leaseUntil = leaseUntil - leaseMarginMs;
  }

  /** The message's run ended: acked (`deadlineSeconds` undefined) or given back; its copies go the same way. */
  async settled(messageId: string, deadlineSeconds: number | undefined): Promise<void> {
    const copies = this.outCopies.get(messageId)?.copies;
    if (!copies) return;
    this.outCopies.delete(messageId);
    await Promise.all(
      copies.map((copy) => (deadlineSeconds === undefined ? this.acks.acknowledge(this.subscription, copy.pulled.ackId!) : this.acks.modifyAckDeadline(this.subscription, copy.pulled.ackId!, deadlineSeconds))),
    );
  }

  /** Resolves once a line has a message ready to go out (or after `close`). */
  whenReady(): { promise: Promise<void>; dispose(): void } {
    let waker = () => {};
    const promise = new Promise<void>((resolve) => {
      waker = resolve;
      this.wakers.add(waker);
    });
    return { promise, dispose: () => this.wakers.delete(waker) };
  }

  hasReady(): boolean {
    return [...this.lines.values()].some((line) => !line.out && line.waiting.length > 0);
  }

  /** Gives every held message back, in order per key. */
  async close(): Promise<void> {
    clearInterval(this.keeper);
    this.wake();
    await Promise.all([...this.lines.keys()].map((key) => this.release(key, MIN_KEYED_NACK_SECONDS)));
    await Promise.all([...this.outCopies.keys()].map((messageId) => this.settled(messageId, MIN_KEYED_NACK_SECONDS)));
  }

  private outFor(key: string, ackId: string): Held | undefined {
    const out = this.lines.get(key)?.out;
    return out?.pulled.ackId === ackId ? out : undefined;
  }

  private async release(key: string, delaySeconds: number): Promise<void> {
    const line = this.lines.get(key);
    if (!line) return;
    this.lines.delete(key);
    const held = line.out ? [line.out, ...line.waiting] : line.waiting;
    await Promise.all(held.map((entry) => this.acks.modifyAckDeadline(this.subscription, entry.pulled.ackId!, delaySeconds)));
  }

  private keepAlive(now: number): void {
    for (const [key, line] of this.lines) {
      if (line.out && line.out.leaseUntil < now) {
        // The head's lease ran out: Pub/Sub redelivers it and everything after it, so the line goes back.
        void this.release(key, MIN_KEYED_NACK_SECONDS).catch(() => {});
        continue;
      }
      this.dropLapsed(key, line, now);
      this.renew(line.waiting, now);
    }
    for (const [messageId, out] of this.outCopies) {
      // Its lease ran out: it is not ours to wait for any more, so its copies go back for a live delivery.
      if (out.leaseUntil < now) this.giveBack(messageId, out.copies);
      else this.renew(out.copies, now);
    }
  }

  private giveBack(messageId: string, copies: readonly Held[]): void {
    this.outCopies.delete(messageId);
    for (const copy of copies) {
      // Keyed messages nacked with 0 go behind their key's undelivered ones on the emulator (MIN_KEYED_NACK_SECONDS).
      const seconds = copy.pulled.message?.orderingKey ? MIN_KEYED_NACK_SECONDS : 0;
      void this.acks.modifyAckDeadline(this.subscription, copy.pulled.ackId!, seconds).catch(() => {});
    }
  }

  /**
   * Renews what runs out within `renewBelowMs`. The lease counts only once Pub/Sub took the renewal: one that failed
   * is tried again at the next tick, and a message no renewal reached in time lapses (`dropLapsed`).
   */
  private renew(held: readonly Held[], now: number): void {
    for (const entry of held) {
      if (entry.renewing || entry.leaseUntil - now >= renewBelowMs) continue;
      entry.renewing = true;
      const until = now + waitingDeadlineSeconds * 1000 - leaseMarginMs;
      void this.acks
        .modifyAckDeadline(this.subscription, entry.pulled.ackId!, waitingDeadlineSeconds)
        .then(
          () => void (entry.leaseUntil = Math.max(entry.leaseUntil, until)),
          () => {},
        )
        .finally(() => (entry.renewing = false));
    }
  }

  /**
   * A waiting message whose lease ran out is Pub/Sub's to redeliver again (maybe to another process), with every
   * later one of its key: they leave the line, handed back, and never go out from here. Says whether any left.
   */
  private dropLapsed(key: string, line: Line, now: number): boolean {
    const lapsedAt = line.waiting.findIndex((entry) => entry.leaseUntil < now);
    if (lapsedAt < 0) return false;
    for (const entry of line.waiting.splice(lapsedAt)) void this.acks.modifyAckDeadline(this.subscription, entry.pulled.ackId!, MIN_KEYED_NACK_SECONDS).catch(() => {});
    if (!line.out && line.waiting.length === 0) this.lines.delete(key);
    return true;
  }

  private wake(): void {
    const wakers = [...this.wakers];
    this.wakers.clear();
    for (const waker of wakers) waker();
  }
}

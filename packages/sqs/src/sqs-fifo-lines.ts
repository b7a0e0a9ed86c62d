import type { Message } from "@aws-sdk/client-sqs";

/** One received message of a FIFO group that waits here, leased to us, for the one before it to finish. */
interface Held {
  readonly message: Message;
  /** When the receive that leased it was sent (SQS's visibility ceiling counts from its receive). */
  readonly askedAt: number;
  readonly leaseMs: number;
  /** When its visibility was last set (the receive's answer, or a renewal's request), from which the worker counts its lease. */
  leasedAt: number;
  /** When its visibility ends (Date.now() ms, a local estimate kept early by the margin); moved by renewals that landed. */
  visibleAt: number;
  renewing: boolean;
}

/** One group's messages this process holds: at most one handed out, the rest waiting in order. */
interface Line {
  /**
   * The handed-out head: its receipt (a stale delivery's late ack, with an older receipt of the same message, must not
   * move a newer line on), its lease's length, and until when its lease is known held.
   */
  out: { readonly receiptHandle: string; readonly leaseMs: number; leaseUntil: number } | undefined;
  readonly waiting: Held[];
  /** Since when its head could go out with nobody taking it (Date.now() ms). */
  readySince: number;
}

export interface TakenMessage {
  readonly message: Message;
  readonly askedAt: number;
  /** When its visibility was last set: the worker counts its lease from here, not from the receive's answer. */
  readonly leaseFrom: number;
}

/** What the lines ask of SQS: visibility changes of messages of one queue (`ChangeMessageVisibilityBatch`). */
export interface FifoVisibility {
  /** Resolves with the receipt handles SQS refused (lost leases); rejects when the call itself failed. */
  change(queueUrl: string, entries: readonly { readonly receiptHandle: string; readonly seconds: number }[]): Promise<Set<string>>;
}

// Our clock starts after SQS's: count a visibility as ending a little early (a quarter of a short lease).
const marginOf = (leaseMs: number) => Math.min(1_000, leaseMs / 4);
const keeperIntervalMs = 500;

/**
 * Per-group lines of FIFO queues. SQS hands out as many messages of one group as it can in one receive (up to
 * 10), and blocks the group while any of them is in flight; the contract delivers a key one message at a time.
 * Releasing the later ones at once made each come back counted (a backlogged group's k-th message started with
 * up to min(k, 10) attempts, and a redrive policy could move it unrun). Here they stay leased to this process,
 * in order, and go out one by one, each once its predecessor's ack has landed: every message is received once.
 * Waiting messages keep their leases (renewed when half is left, up to the visibility ceiling), and a head handed
 * out says when its lease was last set, so the worker renews it in time. A nacked or lost head takes its line back
 * to SQS (visibility 0, in order), which redelivers the group from the head, each message counted once more; so does
 * a line whose head nobody took for a whole lease, every line of a queue once the backend's last worker receiving from
 * it stopped (`leave`), and every line at close.
 */
export class SqsFifoLines {
  /** queue URL → group → line. */
  private readonly queues = new Map<string, Map<string, Line>>();
  /**
   * The poll in flight for each queue: one at a time, shared by the receives that wait, so that a receive ended early
   * by a line's next head leaves no long poll behind (each would lease up to 10 more messages nobody asked for).
   */
  readonly polls = new Map<string, Promise<unknown>>();
  private readonly wakers = new Map<string, Set<() => void>>();
  private keeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly visibility: FifoVisibility,
    private readonly visibilityCeilingMs: number,
    /** Work close must wait for (releases). */
    private readonly background: Set<Promise<unknown>>,
  ) {}

  /** Files received messages into their groups' lines (a message already waiting is refreshed: a new receipt of it). */
  intake(queueUrl: string, messages: readonly Message[], askedAt: number, leaseMs: number, now = Date.now()): void {
    if (messages.length === 0) return;
    if (this.closed) {
      this.release(queueUrl, messages);
      return;
    }
    let lines = this.queues.get(queueUrl);
    if (!lines) this.queues.set(queueUrl, (lines = new Map()));
    for (const message of messages) {
      const group = message.Attributes?.MessageGroupId ?? "";
      let line = lines.get(group);
      if (!line) lines.set(group, (line = { out: undefined, waiting: [], readySince: now }));
      // From the answer (a long poll's lease begins when a message arrives, up to its wait after the request), kept early by the margin.
      const held: Held = { message, askedAt, leaseMs, leasedAt: now, visibleAt: now + leaseMs - marginOf(leaseMs), renewing: false };
      const again = line.waiting.findIndex((waiting) => waiting.message.MessageId === message.MessageId);
      if (again === -1) line.waiting.push(held);
      else line.waiting[again] = held;
    }
    this.keep();
    if ([...lines.values()].some((line) => !line.out)) this.wake(queueUrl);
  }

  /** Heads of this queue's lines with nothing out, up to `max`; each is out from now on. */
  take(queueUrl: string, max: number): TakenMessage[] {
    const taken: TakenMessage[] = [];
    const lines = this.queues.get(queueUrl);
    if (!lines) return taken;
    for (const line of lines.values()) {
      if (taken.length >= max) break;
      if (line.out || line.waiting.length === 0) continue;
      const head = line.waiting.shift()!;
      line.out = { receiptHandle: head.message.ReceiptHandle!, leaseMs: head.leaseMs, leaseUntil: head.visibleAt };
      taken.push({ message: head.message, askedAt: head.askedAt, leaseFrom: head.leasedAt });
    }
    return taken;
  }

  /** Resolves once a line of `queueUrl` may have a head to take, or `signal` aborts. */
  whenReady(queueUrl: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      let wakers = this.wakers.get(queueUrl);
      if (!wakers) this.wakers.set(queueUrl, (wakers = new Set()));
      const wake = () => {
        wakers.delete(wake);
        signal.removeEventListener("abort", wake);
        resolve();
      };
      wakers.add(wake);
      signal.addEventListener("abort", wake, { once: true });
    });
  }

  /** The head's lease is held until `leaseUntil` (a renewal landed). */
  leased(queueUrl: string, group: string, receiptHandle: string, leaseUntil: number): void {
    const out = this.lineOf(queueUrl, group, receiptHandle)?.out;
    if (out) out.leaseUntil = leaseUntil - marginOf(out.leaseMs);
  }

  /** The head's ack landed: the next of its group may go out. */
  acked(queueUrl: string, group: string, receiptHandle: string, now = Date.now()): void {
    const line = this.lineOf(queueUrl, group, receiptHandle);
    if (!line) return;
    line.out = undefined;
    line.readySince = now;
    if (line.waiting.length > 0) {
      this.wake(queueUrl);
      return;
    }
    const lines = this.queues.get(queueUrl)!;
    lines.delete(group);
    // An empty queue's map would keep the keeper ticking.
    if (lines.size === 0) this.queues.delete(queueUrl);
  }

  /** The head went back to SQS (nacked) or its lease was lost: so does the rest of its line, in order. */
  headReturned(queueUrl: string, group: string, receiptHandle: string): void {
    if (this.lineOf(queueUrl, group, receiptHandle)) this.dropLine(queueUrl, group);
  }

  /**
   * No worker receives from this queue any more (the last one stopped): what its lines hold goes back to SQS now, in
   * order, rather than after a whole lease untaken (a poll its receives abandoned hands back what it brings itself).
   * A head still out keeps its lease, and SQS delivers none of its group before that head is acked or released.
   */
  leave(queueUrl: string): void {
    for (const group of [...(this.queues.get(queueUrl)?.keys() ?? [])]) this.dropLine(queueUrl, group);
  }

  /** Every waiting message goes back to SQS (visibility 0); later intakes release theirs at once. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.keeper);
    this.keeper = undefined;
    for (const [queueUrl, lines] of this.queues) for (const group of [...lines.keys()]) this.dropLine(queueUrl, group);
    for (const wakers of this.wakers.values()) for (const wake of [...wakers]) wake();
  }

  /** The line of `group` whose head out is the delivery `receiptHandle`. */
  private lineOf(queueUrl: string, group: string, receiptHandle: string): Line | undefined {
    const line = this.queues.get(queueUrl)?.get(group);
    return line?.out?.receiptHandle === receiptHandle ? line : undefined;
  }

  private dropLine(queueUrl: string, group: string): void {
    const lines = this.queues.get(queueUrl);
    const line = lines?.get(group);
    if (!line) return;
    lines!.delete(group);
    if (lines!.size === 0) this.queues.delete(queueUrl);
    this.release(queueUrl, line.waiting.map((held) => held.message));
  }

  private release(queueUrl: string, messages: readonly Message[]): void {
    if (messages.length === 0) return;
    // A failed release leaves them to their leases: they come back then, in order.
    const released = this.visibility.change(queueUrl, messages.map((message) => ({ receiptHandle: message.ReceiptHandle!, seconds: 0 }))).catch(() => {});
    this.background.add(released);
    void released.finally(() => this.background.delete(released));
  }

  private wake(queueUrl: string): void {
    for (const wake of [...(this.wakers.get(queueUrl) ?? [])]) wake();
  }

  private keep(): void {
    if (this.keeper || this.closed) return;
    this.keeper = setInterval(() => this.tick(Date.now()), keeperIntervalMs);
    this.keeper.unref();
  }

  /** Drops lines whose head's lease ran out or that nobody takes, and renews what waits. */
  private tick(now: number): void {
    for (const [queueUrl, lines] of this.queues) {
      for (const [group, line] of lines) {
        // A waiting lease that ran out (renewals failing) may already be another worker's; a head out whose lease ran
        // out unrenewed was given up by its worker; a head nobody took for a whole lease: the worker stopped receiving.
        const lapsed = line.waiting.some((held) => held.visibleAt <= now);
        const untaken = !line.out && line.waiting.length > 0 && now - line.readySince >= line.waiting[0]!.leaseMs;
        if (lapsed || untaken || (line.out && line.out.leaseUntil <= now)) {
          this.dropLine(queueUrl, group);
          continue;
        }
        this.renew(queueUrl, group, line, now);
      }
    }
    if (this.queues.size === 0) {
      clearInterval(this.keeper);
      this.keeper = undefined;
    }
  }

  private renew(queueUrl: string, group: string, line: Line, now: number): void {
    const due = line.waiting.filter((held) => !held.renewing && held.visibleAt - now < held.leaseMs / 2);
    if (due.length === 0) return;
    // Past SQS's ceiling (counted from the receive) no renewal can hold it: the line goes back while it still can.
    if (due.some((held) => now + held.leaseMs > held.askedAt + this.visibilityCeilingMs)) {
      this.dropLine(queueUrl, group);
      return;
    }
    for (const held of due) held.renewing = true;
    const sentAt = Date.now();
    const renewed = this.visibility.change(queueUrl, due.map((held) => ({ receiptHandle: held.message.ReceiptHandle!, seconds: Math.ceil(held.leaseMs / 1000) }))).then(
      (refused) => {
        // The line was given back (released, left, closed) while this renewal travelled: it hid them again after the
        // release, so they go back once more rather than stay hidden, held by no line, for a whole lease.
        if (this.queues.get(queueUrl)?.get(group) !== line) {
          this.release(queueUrl, due.filter((held) => !refused.has(held.message.ReceiptHandle!)).map((held) => held.message));
          return;
        }
        for (const held of due) {
          held.renewing = false;
          if (refused.has(held.message.ReceiptHandle!)) continue;
          held.leasedAt = sentAt;
          held.visibleAt = sentAt + held.leaseMs - marginOf(held.leaseMs);
          // Taken while its renewal was on its way: the head's lease moves on with it.
          const out = line.out;
          if (out && out.receiptHandle === held.message.ReceiptHandle) out.leaseUntil = Math.max(out.leaseUntil, held.visibleAt);
        }
        // A waiting message whose lease is gone may reach another worker: what follows it must not run before it.
        if (due.some((held) => refused.has(held.message.ReceiptHandle!)) && this.queues.get(queueUrl)?.get(group) === line) this.dropLine(queueUrl, group);
      },
      () => {
        // Tried again at the next tick; a lease that runs out meanwhile drops the line there.
        for (const held of due) held.renewing = false;
      },
    );
    this.background.add(renewed);
    void renewed.finally(() => this.background.delete(renewed));
  }
}

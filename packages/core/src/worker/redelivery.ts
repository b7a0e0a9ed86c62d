import type { Backend, OutgoingMessage, ReceivedMessage } from "../backend/backend.js";
import { sendInBatches } from "../backend/send-in-batches.js";
import { decodeEnvelope, encodeEnvelope, type Envelope } from "../envelope/envelope.js";
import { copySentAtMs, isHoldCarrier, maxNativeDelayMs, publishedAtKey, retentionBoundMs } from "../hold-limits.js";

/**
 * Ways to make a received job run again later, chosen from the backend's
 * declared capabilities. Republishing sends the new copy before acking the
 * old one, so a crash in between gives a duplicate, never a loss. The copy goes
 * to `queue`, the queue the message was received from, never to one its body names.
 *
 * Holds (waits, postpones) never count as attempts: a nack hold happens only on a
 * copy whose body carries `runAt` (a hold carrier), whose deliveries are not
 * counted; such a copy is held by nack once where the backend counts deliveries
 * (a visibility ceiling or a dead-letter policy would otherwise see every hold),
 * and never past half the backend's retention. Past either, a fresh copy carries on.
 */
export class Redelivery {
  constructor(private readonly backend: Backend) {}

  /** The attempt this delivery is: the envelope's, plus the backend's count of earlier deliveries unless they were holds. */
  attemptOf(message: ReceivedMessage, envelope: Envelope): number {
    if (isHoldCarrier(this.backend.capabilities, envelope)) return envelope.attempt;
    return envelope.attempt + (message.deliveryAttempt ?? 1) - 1;
  }

  /**
   * A due hold carrier on a backend that counts deliveries runs from a fresh copy without `runAt`,
   * so its crashes count from one again; without counting, it may run as it is.
   */
  mustRelease(envelope: Envelope): boolean {
    return isHoldCarrier(this.backend.capabilities, envelope) && this.backend.capabilities.deliveryAttempts;
  }

  async release(queue: string, message: ReceivedMessage, envelope: Envelope): Promise<void> {
    await this.republish(queue, message, envelope, undefined);
  }

  /**
   * Run `attempt` stopped at a boundary (an iterable job's slice or stop): it runs again at once as the same attempt,
   * carrying `changed` (its cursor; its `attempt` field as received). Where the backend can, the message itself goes
   * back with the new body, uncounted, keeping its place at the head of its ordering key's line; else a copy does,
   * which joins the back of the line.
   */
  async continueChanged(queue: string, message: ReceivedMessage, changed: Envelope, attempt: number): Promise<void> {
    const { uncountedNack, deliveryAttempts } = this.backend.capabilities;
    const body = this.inPlaceBody(changed);
    if (body !== undefined && uncountedNack) return message.nack({ retryAfterMs: 0, countAttempt: false, body });
    // Deliveries not counted at all (none reported): a counted nack leaves the attempt as it is.
    if (body !== undefined && !deliveryAttempts && message.deliveryAttempt === undefined) return message.nack({ retryAfterMs: 0, body });
    await this.republish(queue, message, { ...changed, attempt }, undefined);
  }

  /**
   * Failed run `attempt`; run again after `delayMs` as attempt `attempt + 1`. `changed`: the envelope to run from
   * instead of the one received (an iterable job's progress; its `attempt` field as received).
   */
  async retry(queue: string, message: ReceivedMessage, envelope: Envelope, attempt: number, delayMs: number, changed?: Envelope): Promise<void> {
    const { deliveryAttempts, nackDelay } = this.backend.capabilities;
    const next = changed ?? envelope;
    // A nack keeps the message (its ordering and dedupe key) and the backend counts the attempt. It resends the body
    // as it came, or with `nackBody` the changed one; else a changed envelope goes as a copy.
    const body = changed === undefined ? undefined : this.inPlaceBody(changed);
    const nackable = changed === undefined || body !== undefined;
    if (nackable && deliveryAttempts && message.deliveryAttempt !== undefined && nackDelay && delayMs <= nackDelay.maxDelayMs && this.keptUntil(next, Date.now() + delayMs)) {
      await message.nack(body === undefined ? { retryAfterMs: delayMs } : { retryAfterMs: delayMs, body });
      return;
    }
    await this.republish(queue, message, { ...next, attempt: attempt + 1 }, Date.now() + delayMs);
  }

  /** `envelope` as the body a nack may write in place (`nackBody`), or undefined where it cannot (a copy must go). */
  private inPlaceBody(envelope: Envelope): string | undefined {
    const { nackBody, maxPayloadBytes } = this.backend.capabilities;
    if (!nackBody) return undefined;
    const body = encodeEnvelope(envelope);
    // Too large to write in place: the copy's send refuses it as any oversized job, with the error that says so.
    return Buffer.byteLength(body) <= maxPayloadBytes ? body : undefined;
  }

  /** Not a failure: run later with the same attempt number (RetryLaterError, newer payload versions, slot waits, delivered before runAt — hop by hop past the backend's limits). */
  async postpone(queue: string, message: ReceivedMessage, envelope: Envelope, runAtMs: number): Promise<void> {
    if (this.backend.capabilities.delayedDelivery) {
      await this.republish(queue, message, envelope, runAtMs);
    } else {
      await this.holdBack(queue, message, envelope, runAtMs);
    }
  }

  /** Hand an unfinished job back at once (graceful shutdown). */
  async handBack(message: ReceivedMessage): Promise<void> {
    await message.nack({ retryAfterMs: 0 });
  }

  /**
   * Hands back messages of `queue` that never started (buffered at stop or pause, received as stop began),
   * keeping their attempt: an uncounted nack where the backend declares one; where it counts deliveries
   * without one, a fresh copy carrying this delivery's attempt is sent, then the original acked (a crash
   * in between leaves a duplicate, never a loss). A copy is sent only while the lease is confirmed ours
   * (`extendLease`) where the backend can tell, so a message leased elsewhere is not doubled. A body that
   * does not decode, or one with an ordering key (its copy would queue behind its own line), is nacked as
   * before: that delivery counts.
   */
  async handBackUnstarted(queue: string, messages: readonly ReceivedMessage[], leaseMs: number): Promise<void> {
    const { uncountedNack, deliveryAttempts, reportsLostLease } = this.backend.capabilities;
    const copies: { message: ReceivedMessage; copy: OutgoingMessage }[] = [];
    await Promise.all(
      messages.map(async (message) => {
        if (uncountedNack) return message.nack({ retryAfterMs: 0, countAttempt: false });
        const envelope = deliveryAttempts && message.deliveryAttempt !== undefined ? decodedOrUndefined(message.body) : undefined;
        if (!envelope || (envelope.orderingKey !== undefined && this.backend.capabilities.ordering)) return message.nack({ retryAfterMs: 0 });
        if (reportsLostLease && !(await message.extendLease(leaseMs))) return;
        const runAtMs = envelope.runAt === undefined ? undefined : Date.parse(envelope.runAt);
        copies.push({ message, copy: this.copyOf(queue, { ...envelope, attempt: this.attemptOf(message, envelope) }, runAtMs) });
      }),
    );
    if (copies.length === 0) return;
    const results = await sendInBatches(
      this.backend,
      copies.map(({ copy }) => copy),
    );
    // A copy that failed to send leaves its original to a counted nack: an attempt too many beats a lost job.
    await Promise.all(copies.map(({ message }, index) => (results[index]?.status === "enqueued" ? message.ack() : message.nack({ retryAfterMs: 0 }))));
  }

  private async holdBack(queue: string, message: ReceivedMessage, envelope: Envelope, runAtMs: number): Promise<void> {
    const { nackDelay } = this.backend.capabilities;
    if (!nackDelay) {
      await message.nack({ retryAfterMs: 0 });
      return;
    }
    const now = Date.now();
    const stepMs = Math.min(Math.max(0, runAtMs - now), nackDelay.maxDelayMs, retentionBoundMs(this.backend.capabilities));
    const carriesThisHold = isHoldCarrier(this.backend.capabilities, envelope) && Date.parse(envelope.runAt!) >= runAtMs;
    const firstDelivery = message.deliveryAttempt === undefined || message.deliveryAttempt <= 1;
    if (carriesThisHold && firstDelivery && this.keptUntil(envelope, now + stepMs)) {
      await message.nack({ retryAfterMs: stepMs });
      return;
    }
    // The backend would count this hold, drop the message before it ends, or the body does not say
    // it is waiting: a fresh copy (new delivery count, retention, FIFO deduplication id) carries it.
    await this.republish(queue, message, envelope, runAtMs);
  }

  /** Whether this copy stays within its retention until `untilMs`. */
  private keptUntil(envelope: Envelope, untilMs: number): boolean {
    return untilMs - copySentAtMs(envelope) <= retentionBoundMs(this.backend.capabilities);
  }

  /** Sends a copy due at `runAtMs` (now when undefined or past), then acks the original. */
  private async republish(queue: string, message: ReceivedMessage, envelope: Envelope, runAtMs: number | undefined): Promise<void> {
    const [result] = await sendInBatches(this.backend, [this.copyOf(queue, envelope, runAtMs)]);
    if (result?.status === "failed") throw result.error;
    await message.ack();
  }

  /** The message that carries `envelope` to `queue` again, due at `runAtMs` (now when undefined or past). */
  private copyOf(queue: string, envelope: Envelope, runAtMs: number | undefined): OutgoingMessage {
    const maxDelayMs = maxNativeDelayMs(this.backend.capabilities);
    const now = Date.now();
    const remaining = runAtMs === undefined ? 0 : Math.max(0, runAtMs - now);
    const { runAt: _past, ...rest } = envelope;
    const copy: Envelope = {
      ...rest,
      ...(remaining > 0 && { runAt: new Date(runAtMs!).toISOString() }),
      // Read only against a declared retention; elsewhere the body stays as small as it was.
      ...(this.backend.capabilities.messageRetentionMs !== undefined && { meta: { ...envelope.meta, [publishedAtKey]: new Date(now).toISOString() } }),
    };
    return {
      id: envelope.id,
      queue,
      body: encodeEnvelope(copy),
      ...(maxDelayMs !== undefined && remaining > 0 && { delayMs: Math.min(remaining, maxDelayMs) }),
      ...(envelope.priority !== 0 && this.backend.capabilities.priority && { priority: envelope.priority }),
      // The original still holds its dedupe key until acked, so the copy goes without it.
      ...(envelope.orderingKey !== undefined && this.backend.capabilities.ordering && { orderingKey: envelope.orderingKey }),
    };
  }
}

function decodedOrUndefined(body: string): Envelope | undefined {
  try {
    return decodeEnvelope(body);
  } catch {
    return undefined;
  }
}

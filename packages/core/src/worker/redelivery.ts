import type { Backend, OutgoingMessage, ReceivedMessage } from "../backend/backend.js";
import { sendInBatches } from "../backend/send-in-batches.js";
import { encodeEnvelope, type Envelope } from "../envelope/envelope.js";

/**
 * Ways to make a received job run again later, chosen from the backend's
 * declared capabilities. Republishing sends the new copy before acking the
 * old one, so a crash in between gives a duplicate, never a loss. The copy goes
 * to `queue`, the queue the message was received from, never to one its body names.
 */
export class Redelivery {
  constructor(private readonly backend: Backend) {}

  /** Failed run `attempt`; run again after `delayMs` as attempt `attempt + 1`. */
  async retry(queue: string, message: ReceivedMessage, envelope: Envelope, attempt: number, delayMs: number): Promise<void> {
    const { deliveryAttempts, nackDelay } = this.backend.capabilities;
    // A nack keeps the message (its ordering and dedupe key) and the backend counts the attempt.
    if (deliveryAttempts && message.deliveryAttempt !== undefined && nackDelay && delayMs <= nackDelay.maxDelayMs) {
      await message.nack({ retryAfterMs: delayMs });
      return;
    }
    await this.republish(queue, message, { ...envelope, attempt: attempt + 1 }, Date.now() + delayMs);
  }

  /** Not a failure: run later with the same attempt number (RetryLaterError, newer payload versions, delivered before runAt — hop by hop past the backend's delay limit). */
  async postpone(queue: string, message: ReceivedMessage, envelope: Envelope, runAtMs: number): Promise<void> {
    if (this.backend.capabilities.delayedDelivery) {
      await this.republish(queue, message, envelope, runAtMs);
    } else {
      await this.holdBack(message, runAtMs);
    }
  }

  /** Hand an unfinished job back at once (graceful shutdown). */
  async handBack(message: ReceivedMessage): Promise<void> {
    await message.nack({ retryAfterMs: 0 });
  }

  private async holdBack(message: ReceivedMessage, runAtMs: number): Promise<void> {
    const { nackDelay } = this.backend.capabilities;
    const remaining = Math.max(0, runAtMs - Date.now());
    await message.nack({ retryAfterMs: nackDelay ? Math.min(remaining, nackDelay.maxDelayMs) : 0 });
  }

  private async republish(queue: string, message: ReceivedMessage, envelope: Envelope, runAtMs: number): Promise<void> {
    const delayed = this.backend.capabilities.delayedDelivery;
    const remaining = Math.max(0, runAtMs - Date.now());
    const copy: Envelope = { ...envelope, ...(remaining > 0 && { runAt: new Date(runAtMs).toISOString() }) };
    const outgoing: OutgoingMessage = {
      id: envelope.id,
      queue,
      body: encodeEnvelope(copy),
      ...(delayed && remaining > 0 && { delayMs: Math.min(remaining, delayed.maxDelayMs) }),
      ...(envelope.priority !== 0 && this.backend.capabilities.priority && { priority: envelope.priority }),
      // The original still holds its dedupe key until acked, so the copy goes without it.
      ...(envelope.orderingKey !== undefined && this.backend.capabilities.ordering && { orderingKey: envelope.orderingKey }),
    };
    const [result] = await sendInBatches(this.backend, [outgoing]);
    if (result?.status === "failed") throw result.error;
    await message.ack();
  }
}

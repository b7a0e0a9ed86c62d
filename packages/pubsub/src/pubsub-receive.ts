import type { protos, v1 } from "@google-cloud/pubsub";
import type { ReceivedMessage, ReceiveOptions } from "@hopper/core/backend";
import type { PubSubAckBatcher } from "./pubsub-ack-batcher.js";
import { ackDeadlineSeconds, MIN_ACK_DEADLINE_SECONDS } from "./pubsub-capabilities.js";
import type { QueueResources } from "./pubsub-queues.js";

/** Attribute carrying the Hopper message id (Pub/Sub assigns its own message ids). */
export const ID_ATTRIBUTE = "hopper-id";

type PulledMessage = protos.google.pubsub.v1.IReceivedMessage;

export interface PullContext {
  readonly client: v1.SubscriberClient;
  readonly acks: PubSubAckBatcher;
  readonly nackMaxDelayMs: number;
  readonly countsDeliveries: boolean;
  /** Aborts when the backend closes. */
  readonly closing: AbortSignal;
  ensureOpen(): void;
}

const grpcDeadlineExceeded = 4;
// One pull request never waits longer than this; receive() loops until waitMs is spent.
const maxPullWaitMs = 10_000;

/**
 * Synchronous pull: each receive is one or more pull requests for exactly the
 * messages asked for, so nothing sits leased in a local buffer where other
 * consumers cannot see it, and a message's lease is its ack deadline on the server.
 */
export async function pullMessages(context: PullContext, resources: QueueResources, options: ReceiveOptions): Promise<ReceivedMessage[]> {
  const deadline = Date.now() + options.waitMs;
  const maxMessages = Math.max(1, Math.min(options.maxMessages, 1000));
  for (;;) {
    if (options.signal?.aborted || context.closing.aborted) return [];
    const remaining = deadline - Date.now();
    const pulled = await pullOnce(context, resources.subscriptionPath, maxMessages, remaining, options.signal);
    if (pulled.length > 0) return adopt(context, resources, pulled, options.leaseMs);
    if (remaining <= 0) return [];
  }
}

async function pullOnce(context: PullContext, subscription: string, maxMessages: number, waitMs: number, signal: AbortSignal | undefined): Promise<PulledMessage[]> {
  const request = context.client
    .pull({ subscription, maxMessages, returnImmediately: waitMs <= 0 }, { timeout: Math.min(maxPullWaitMs, Math.max(1000, waitMs)), retry: null })
    .then(([response]) => response.receivedMessages ?? [])
    .catch((error: unknown) => {
      if ((error as { code?: number }).code === grpcDeadlineExceeded) return [];
      throw error;
    });
  const stopped = abandonedWhenAborted([signal, context.closing]);
  const outcome = await Promise.race([request, stopped.promise]);
  stopped.dispose();
  if (outcome !== abandoned) return outcome;
  // The caller is gone; whatever this pull still brings goes straight back rather than waiting out its deadline.
  void request.then((late) => Promise.all(late.map((message) => context.acks.modifyAckDeadline(subscription, message.ackId!, 0)))).catch(() => {});
  return [];
}

async function adopt(context: PullContext, resources: QueueResources, pulled: PulledMessage[], leaseMs: number): Promise<ReceivedMessage[]> {
  const { subscriptionPath } = resources;
  const leaseSeconds = ackDeadlineSeconds(leaseMs, MIN_ACK_DEADLINE_SECONDS);
  if (leaseSeconds !== resources.ackDeadlineSeconds) {
    await Promise.all(pulled.map((message) => context.acks.modifyAckDeadline(subscriptionPath, message.ackId!, leaseSeconds)));
  }
  return pulled.map((pulledMessage): ReceivedMessage => {
    const ackId = pulledMessage.ackId!;
    const message = pulledMessage.message!;
    return {
      id: message.attributes?.[ID_ATTRIBUTE] ?? message.messageId!,
      body: Buffer.from(message.data ?? new Uint8Array()).toString("utf8"),
      // Pub/Sub counts deliveries only on subscriptions with a dead-letter policy (0 otherwise).
      deliveryAttempt: context.countsDeliveries && pulledMessage.deliveryAttempt ? pulledMessage.deliveryAttempt : undefined,
      ack: async () => {
        context.ensureOpen();
        await context.acks.acknowledge(subscriptionPath, ackId);
      },
      nack: async (nackOptions) => {
        context.ensureOpen();
        // Redelivery after a delay is an ack deadline of that length; 0 means at once.
        const delayMs = Math.min(nackOptions?.retryAfterMs ?? 0, context.nackMaxDelayMs);
        await context.acks.modifyAckDeadline(subscriptionPath, ackId, ackDeadlineSeconds(delayMs, 0));
      },
      extendLease: async (extendMs) => {
        context.ensureOpen();
        await context.acks.modifyAckDeadline(subscriptionPath, ackId, ackDeadlineSeconds(extendMs, MIN_ACK_DEADLINE_SECONDS));
      },
    };
  });
}

const abandoned = Symbol("abandoned");

function abandonedWhenAborted(signals: readonly (AbortSignal | undefined)[]): { promise: Promise<typeof abandoned>; dispose(): void } {
  let onAbort = () => {};
  const promise = new Promise<typeof abandoned>((resolve) => {
    onAbort = () => resolve(abandoned);
    for (const signal of signals) {
      if (signal?.aborted) resolve(abandoned);
      signal?.addEventListener("abort", onAbort, { once: true });
    }
  });
  return { promise, dispose: () => signals.forEach((signal) => signal?.removeEventListener("abort", onAbort)) };
}

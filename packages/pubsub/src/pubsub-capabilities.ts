import type { BackendCapabilities } from "@hopper/core/backend";

/** Pub/Sub's bounds on one ack deadline (modifyAckDeadline / subscription ackDeadlineSeconds). */
export const MIN_ACK_DEADLINE_SECONDS = 10;
export const MAX_ACK_DEADLINE_SECONDS = 600;

/**
 * What Pub/Sub does natively. Ordering and delivery attempts depend on the
 * options (message ordering on, a dead-letter policy set); the factory fills them in.
 */
export const PUBSUB_CAPABILITIES: BackendCapabilities = {
  // One publish request takes at most 1000 messages.
  maxBatchSize: 1000,
  // A message (data + attributes) may be 10 MB; keep room for Hopper's attribute.
  maxPayloadBytes: 10_000_000 - 1024,
  maxReceiveBatch: 1000,
  // No per-message delay: the core carries runAt and holds early messages back through nack delays.
  delayedDelivery: false,
  nackDelay: { maxDelayMs: MAX_ACK_DEADLINE_SECONDS * 1000 },
  priority: false,
  ordering: false,
  // Pub/Sub cannot drop a message because another with the same key is queued.
  deduplication: false,
  leaseExtension: { maxLeaseMs: MAX_ACK_DEADLINE_SECONDS * 1000 },
  minLeaseMs: MIN_ACK_DEADLINE_SECONDS * 1000,
  // Subscriptions keep unacked messages 7 days at most (the default).
  messageRetentionMs: 7 * 24 * 60 * 60 * 1000,
  deliveryAttempts: false,
};

/** Whole seconds for an ack deadline, within Pub/Sub's bounds (0 is allowed: it means "redeliver now"). */
export function ackDeadlineSeconds(ms: number, minimumSeconds: number): number {
  return Math.min(MAX_ACK_DEADLINE_SECONDS, Math.max(minimumSeconds, Math.ceil(ms / 1000)));
}

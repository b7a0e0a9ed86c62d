import type { BackendCapabilities } from "./backend/backend.js";
import type { Envelope } from "./envelope/envelope.js";

/** When a worker sent this copy of the job; absent on the copy the application enqueued. */
export const publishedAtKey = "hopper.publishedAt";

/** A message is never kept waiting past half its retention: the rest is room for a late receive. */
export function retentionBoundMs(capabilities: BackendCapabilities): number {
  return capabilities.messageRetentionMs === undefined ? Number.POSITIVE_INFINITY : Math.floor(capabilities.messageRetentionMs / 2);
}

/** Longest native delay one message may carry: the backend's limit, within its retention. */
export function maxNativeDelayMs(capabilities: BackendCapabilities): number | undefined {
  return capabilities.delayedDelivery ? Math.min(capabilities.delayedDelivery.maxDelayMs, retentionBoundMs(capabilities)) : undefined;
}

/** When this copy was sent: by a worker (meta), else by the application. */
export function copySentAtMs(envelope: Envelope): number {
  const sentAt = Date.parse(envelope.meta[publishedAtKey] ?? envelope.enqueuedAt);
  return Number.isNaN(sentAt) ? Date.now() : sentAt;
}

/**
 * On a backend without native delays a job waits in a copy whose body carries `runAt`, held back
 * by nacks. Its deliveries are holds, not runs, so they never count as attempts.
 */
export function isHoldCarrier(capabilities: BackendCapabilities, envelope: Envelope): boolean {
  return !capabilities.delayedDelivery && envelope.runAt !== undefined;
}

import type { BackendCapabilities } from "../backend/backend.js";

/**
 * What the core may assume of a routed backend where it does not know the queue (a worker over queues
 * on several backends, its retries and hand-backs): what every one of them can do. Enqueues and the
 * jobs' needs are checked against the queue's own backend instead (`Backend.backendForQueue`).
 *
 * `writesOwnRecords` is never combined: records ride with one backend's calls only, so a routed Hopper
 * writes them as calls of their own. While a queue drains from older backends, `deliveryAttempts` is
 * off, so a failed job is retried by a fresh copy sent through the routes (to the queue's current
 * backend, the drained copy acked only after) rather than by a nack that would keep it on the old one;
 * `nackBody` is off for the same reason (an iterable job's slice goes on in a copy sent through the routes).
 */
export function combinedCapabilities(all: readonly BackendCapabilities[], draining: boolean): BackendCapabilities {
  const every = (pick: (capabilities: BackendCapabilities) => boolean | undefined) => all.every((capabilities) => pick(capabilities) === true);
  const least = (pick: (capabilities: BackendCapabilities) => number | undefined) => {
    const values = all.map(pick).filter((value): value is number => value !== undefined);
    return values.length === 0 ? undefined : Math.min(...values);
  };
  const bounded = (pick: (capabilities: BackendCapabilities) => false | { readonly maxDelayMs: number }) =>
    all.every((capabilities) => pick(capabilities) !== false) ? { maxDelayMs: least((capabilities) => (pick(capabilities) as { maxDelayMs: number }).maxDelayMs)! } : false;
  const maxBatchBytes = least((capabilities) => capabilities.maxBatchBytes);
  const enqueueSendsInFlight = least((capabilities) => capabilities.enqueueSendsInFlight ?? 1);
  const messageRetentionMs = least((capabilities) => capabilities.messageRetentionMs);
  // A route that declares none gets the core's default, so the combination declares one only when every route does.
  const defaultPrefetch = all.every((capabilities) => capabilities.defaultPrefetch !== undefined) ? least((capabilities) => capabilities.defaultPrefetch) : undefined;
  const windows = all.map((capabilities) => capabilities.deduplicationWindowMs).filter((value): value is number => value !== undefined);
  return {
    maxBatchSize: least((capabilities) => capabilities.maxBatchSize)!,
    ...(maxBatchBytes !== undefined && { maxBatchBytes }),
    ...(enqueueSendsInFlight !== undefined && enqueueSendsInFlight > 1 && { enqueueSendsInFlight }),
    maxPayloadBytes: least((capabilities) => capabilities.maxPayloadBytes)!,
    maxReceiveBatch: least((capabilities) => capabilities.maxReceiveBatch)!,
    ...(defaultPrefetch !== undefined && { defaultPrefetch }),
    delayedDelivery: bounded((capabilities) => capabilities.delayedDelivery),
    nackDelay: bounded((capabilities) => capabilities.nackDelay),
    priority: every((capabilities) => capabilities.priority),
    ordering: every((capabilities) => capabilities.ordering),
    deduplication: every((capabilities) => capabilities.deduplication),
    ...(windows.length > 0 && { deduplicationWindowMs: Math.max(...windows) }),
    ...(messageRetentionMs !== undefined && { messageRetentionMs }),
    leaseExtension: all.every((capabilities) => capabilities.leaseExtension !== false)
      ? { maxLeaseMs: least((capabilities) => (capabilities.leaseExtension as { maxLeaseMs: number }).maxLeaseMs)! }
      : false,
    reportsLostLease: every((capabilities) => capabilities.reportsLostLease),
    minLeaseMs: Math.max(...all.map((capabilities) => capabilities.minLeaseMs)),
    deliveryAttempts: !draining && every((capabilities) => capabilities.deliveryAttempts),
    uncountedNack: every((capabilities) => capabilities.uncountedNack),
    nackBody: !draining && every((capabilities) => capabilities.nackBody),
    transactionalEnqueue: every((capabilities) => capabilities.transactionalEnqueue),
    takeScheduled: every((capabilities) => capabilities.takeScheduled),
    processLocal: every((capabilities) => capabilities.processLocal),
  };
}

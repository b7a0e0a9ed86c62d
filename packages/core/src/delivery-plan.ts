import type { BackendCapabilities } from "./backend/backend.js";
import { UnsupportedCapabilityError } from "./errors/unsupported-capability-error.js";
import { maxNativeDelayMs } from "./hold-limits.js";

export interface DeliveryRequest {
  readonly priority: number;
  readonly delayMs: number;
  readonly orderingKey?: string;
  readonly dedupeKey?: string;
  readonly transaction?: unknown;
  /** A transaction's jobs go to the outbox (createHopper({ outbox })), so the backend needs no transactions of its own. */
  readonly viaOutbox?: boolean;
}

/** The backend-facing fields of one message: what the backend does natively. */
export interface DeliveryFields {
  readonly delayMs?: number;
  readonly priority?: number;
  readonly orderingKey?: string;
  readonly dedupeKey?: string;
}

/**
 * Maps what a job asks for onto what the backend declares. Gaps the core can
 * fill are filled (long delays hop by hop, delays held back by nack); the
 * rest is refused here, at enqueue time, never dropped silently.
 */
export function planDelivery(backendName: string, capabilities: BackendCapabilities, request: DeliveryRequest): DeliveryFields {
  const refuse = (capability: string, message: string) => {
    throw new UnsupportedCapabilityError({ capability, backend: backendName, message: `the ${backendName} backend ${message}` });
  };
  if (request.priority !== 0 && !capabilities.priority) refuse("priority", "has no priorities: drop the priority option or use a separate queue");
  if (request.orderingKey !== undefined && !capabilities.ordering) refuse("ordering", "cannot keep jobs in order: drop orderingKey, or chain jobs (each enqueues the next)");
  if (request.dedupeKey !== undefined && !capabilities.deduplication) refuse("deduplication", "cannot deduplicate: drop dedupeKey and make the job idempotent");
  if (request.transaction !== undefined && !capabilities.transactionalEnqueue && !request.viaOutbox) {
    refuse("transactionalEnqueue", "cannot enqueue inside your database transaction: give createHopper an outbox (createHopper({ outbox: \"postgres://…\" })), or use a PostgreSQL backend");
  }
  let delayMs: number | undefined;
  if (request.delayMs > 0) {
    // Delays past the backend's limit or its retention go hop by hop, each hop a fresh message.
    const nativeMaxMs = maxNativeDelayMs(capabilities);
    if (nativeMaxMs !== undefined) delayMs = Math.min(request.delayMs, nativeMaxMs);
    else if (!capabilities.nackDelay) refuse("delayedDelivery", "can neither delay delivery nor hold messages back: drop wait/waitUntil");
    // Without native delay the worker holds early messages back with nack delays until runAt.
  }
  return {
    ...(delayMs !== undefined && { delayMs }),
    ...(request.priority !== 0 && { priority: request.priority }),
    ...(request.orderingKey !== undefined && { orderingKey: request.orderingKey }),
    ...(request.dedupeKey !== undefined && { dedupeKey: request.dedupeKey }),
  };
}

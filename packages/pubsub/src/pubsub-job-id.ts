import { envelopeIdOf } from "@hopper/core/backend";

/** Attribute carrying the Hopper job id where the body cannot (Pub/Sub assigns its own message ids). */
export const ID_ATTRIBUTE = "hopper-id";

/**
 * A received message's job id: the `hopper-id` attribute (written by releases before step two of dropping it, and
 * still for a body that is no envelope of that id), else the envelope's id read from the body's start, else Pub/Sub's
 * own message id (a body that is no envelope, from another producer). README.md § Upgrade notes.
 */
export function jobIdOf(attribute: unknown, body: string, messageId: string): string {
  return (typeof attribute === "string" ? attribute : undefined) ?? envelopeIdOf(body) ?? messageId;
}

/**
 * The attributes a publish needs to carry its job id: none when the body is an envelope of that same id (every job
 * Hopper writes; `jobIdOf` reads it back from the body), the `hopper-id` attribute otherwise, so a body that is no
 * envelope (the backend contract's raw `{ id, body }`) or an envelope sent under another id comes back with the id it
 * was sent with. The attribute cost the publisher about as much as a small body's whole publish
 * (benchmarks/results/pubsub-bulk-cpu-2026-12-07.md).
 */
export function idAttributesFor(body: string, jobId: string): Record<string, string> | undefined {
  return envelopeIdOf(body) === jobId ? undefined : { [ID_ATTRIBUTE]: jobId };
}

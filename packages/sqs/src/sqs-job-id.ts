import { envelopeIdOf } from "@hopper/core/backend";

/**
 * A received message's job id. Writers of this version send it twice: in the envelope (the body) and in the
 * `HopperJobId` message attribute. A message without the attribute (another producer's send of an envelope, or a
 * writer that has stopped sending it, README.md § Upgrade notes) still gets its job's id, from the envelope;
 * SQS's own MessageId stands in only for a body that is not an envelope.
 */
export function jobIdOf(attribute: string | undefined, body: string | undefined, messageId: string): string {
  return attribute ?? (body === undefined ? undefined : envelopeIdOf(body)) ?? messageId;
}

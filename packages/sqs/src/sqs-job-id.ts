import type { MessageAttributeValue } from "@aws-sdk/client-sqs";
import { envelopeIdOf } from "@hopper/core/backend";
import { jobIdAttribute } from "./sqs-message-attributes.js";

/**
 * A received message's job id: the `HopperJobId` message attribute (written by releases before step two of issue
 * #18, and still for a body that is no envelope), else the envelope's id read from the body's start, else SQS's own
 * MessageId (a body that is not an envelope, sent by another producer). README.md § Upgrade notes.
 */
export function jobIdOf(attribute: string | undefined, body: string | undefined, messageId: string): string {
  return attribute ?? (body === undefined ? undefined : envelopeIdOf(body)) ?? messageId;
}

/**
 * The `HopperJobId` attribute a send needs, if any: none when the body is an envelope carrying that same id (every
 * job Hopper writes; `jobIdOf` reads it back from the body), the id otherwise, so a body that is no envelope (the
 * backend contract's raw `{ id, body }`) or an envelope sent under another id comes back with the id it was sent with.
 */
export function jobIdAttributeFor(body: string, jobId: string): Record<string, MessageAttributeValue> | undefined {
  return envelopeIdOf(body) === jobId ? undefined : { [jobIdAttribute]: { DataType: "String", StringValue: jobId } };
}

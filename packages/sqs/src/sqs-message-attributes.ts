import { createHash } from "node:crypto";

/** Message attribute carrying the Hopper job id (SQS assigns its own MessageId). */
export const jobIdAttribute = "HopperJobId";

/**
 * SQS counts message attributes (name + type + value) against the message size
 * limit, so this much of each message is kept for the job id attribute.
 */
export const attributeReserveBytes = 256;

/** Largest job id that fits the reserve. */
export const maxJobIdBytes = attributeReserveBytes - Buffer.byteLength(jobIdAttribute) - Buffer.byteLength("String");

// MessageGroupId and MessageDeduplicationId take 1-128 printable ASCII characters.
const sqsTokenPattern = /^[\x21-\x7e]{1,128}$/;

/** Ordering and dedupe keys as SQS accepts them: as they are when they fit, else their SHA-256. */
export function sqsToken(key: string): string {
  return sqsTokenPattern.test(key) ? key : createHash("sha256").update(key).digest("hex");
}

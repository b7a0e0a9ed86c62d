import { createHash } from "node:crypto";

/** SQS's message size limit since August 2025 (was 256 KiB): body plus attributes, and the total of one batch. */
export const sqsMaxMessageBytes = 1024 * 1024;

/**
 * Message attribute carrying the job id (SQS assigns its own MessageId): sent only with a body that is not an envelope
 * carrying that id (`jobIdAttributeFor`); earlier releases sent it with every message, and readers still take it first.
 */
export const jobIdAttribute = "HopperJobId";

/**
 * Message attribute of a copy handed back uncounted (`nack({ countAttempt: false })`): the deliveries the job
 * had before the copy. SQS counts every receive and cannot take one back, so the copy's receive count starts
 * again at 1 and this carries the rest. Counted against `attributeReserveBytes` with the job id.
 */
export const earlierDeliveriesAttribute = "HopperEarlierDeliveries";

/** Room for the job id attribute (of a body that is no envelope): its name, its type and the longest id. */
const jobIdAttributeBytes = 256;
/** Room for the earlier deliveries attribute at its longest (a safe integer). */
const earlierDeliveriesAttributeBytes = Buffer.byteLength(earlierDeliveriesAttribute) + Buffer.byteLength("Number") + String(Number.MAX_SAFE_INTEGER).length;

/**
 * SQS counts message attributes (name + type + value) against the message size limit, so this much of each message
 * is kept for every attribute the backend may add: the job id and, on an uncounted hand-back's copy, the earlier
 * deliveries beside it (a body at the limit whose copy did not fit would go back counted).
 */
export const attributeReserveBytes = jobIdAttributeBytes + earlierDeliveriesAttributeBytes;

/** SQS takes at most 10 entries per batch call, and counts attributes against the batch's size too. */
export const maxBatchEntries = 10;
export const maxBatchBytes = sqsMaxMessageBytes - maxBatchEntries * attributeReserveBytes;

/** Largest job id that fits the reserve. */
export const maxJobIdBytes = jobIdAttributeBytes - Buffer.byteLength(jobIdAttribute) - Buffer.byteLength("String");

// MessageGroupId and MessageDeduplicationId take 1-128 printable ASCII characters.
const sqsTokenPattern = /^[\x21-\x7e]{1,128}$/;

/** Ordering and dedupe keys as SQS accepts them: as they are when they fit, else their SHA-256. */
export function sqsToken(key: string): string {
  return sqsTokenPattern.test(key) ? key : createHash("sha256").update(key).digest("hex");
}

/** A delivery attempt from SQS's receive count and the copy's earlier deliveries; undefined when SQS gave no count. */
export function deliveryAttemptOf(receiveCount: unknown, earlierDeliveries: unknown): number | undefined {
  const count = Number(receiveCount);
  if (!Number.isSafeInteger(count) || count <= 0) return undefined;
  const earlier = Number(earlierDeliveries ?? 0);
  return count + (Number.isSafeInteger(earlier) && earlier > 0 ? earlier : 0);
}

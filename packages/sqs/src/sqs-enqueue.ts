import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { SendMessageBatchCommand, type BatchResultErrorEntry, type SendMessageBatchRequestEntry, type SQSClient } from "@aws-sdk/client-sqs";
import { PayloadTooLargeError } from "@hopper/core";
import { chunkMessages, type EnqueueResult, type OutgoingMessage } from "@hopper/core/backend";
import type { QueueTarget, SqsQueueUrls } from "./sqs-queue-urls.js";
import { jobIdAttributeFor } from "./sqs-job-id.js";
import { attributeReserveBytes, maxBatchBytes, maxBatchEntries, maxJobIdBytes, sqsToken } from "./sqs-message-attributes.js";

/** Entries SQS failed on its side (SenderFault false) are sent again this many times. */
const serverFaultRetries = 3;
const serverFaultBackoffMs = 100;
/** SQS's FIFO deduplication interval; dedupe results are remembered this long. */
export const dedupeWindowMs = 5 * 60_000;
const maxRememberedSends = 10_000;

export interface SqsEnqueueContext {
  readonly client: SQSClient;
  readonly urls: SqsQueueUrls;
  readonly fifo: boolean;
}

/**
 * Remembers which job each SQS message id was sent for. A FIFO queue answers a
 * deduplicated send with the first message's id, which is how a duplicate is
 * told apart (within this process; see the README).
 */
export class SentMessageIds {
  private readonly jobIds = new Map<string, { jobId: string; at: number }>();

  remember(messageId: string, jobId: string, now: number): string | undefined {
    const earlier = this.jobIds.get(messageId);
    if (earlier && now - earlier.at < dedupeWindowMs && earlier.jobId !== jobId) return earlier.jobId;
    this.jobIds.set(messageId, { jobId, at: now });
    if (this.jobIds.size > maxRememberedSends) this.jobIds.delete(this.jobIds.keys().next().value!);
    return undefined;
  }
}

/**
 * One SendMessageBatch per queue and SQS-sized chunk (the core already sends
 * chunks within the declared limits; a caller that does not is split here).
 * Results come back in input order.
 */
export async function enqueueMessages(context: SqsEnqueueContext, sent: SentMessageIds, messages: readonly OutgoingMessage[]): Promise<EnqueueResult[]> {
  const results = new Array<EnqueueResult>(messages.length);
  await Promise.all(
    sendChunks(messages).map(([queue, indexes]) => {
      // A queue already known is sent to at once, in this turn: no promise per chunk to wait on.
      const target = context.urls.knownTarget(queue);
      return target ? sendChunk(context, sent, messages, results, queue, indexes, target) : context.urls.target(queue).then((found) => sendChunk(context, sent, messages, results, queue, indexes, found));
    }),
  );
  return results;
}

/** The messages' indexes by queue, in SQS-sized chunks; what the core sends (one queue, within the limits) is one chunk as it is. */
function sendChunks(messages: readonly OutgoingMessage[]): (readonly [string, number[]])[] {
  const queue = messages[0]?.queue;
  if (queue !== undefined && messages.every((message) => message.queue === queue)) {
    // chunkMessages cuts in order, so each chunk's indexes follow the one before.
    let next = 0;
    return chunkMessages(messages, maxBatchEntries, maxBatchBytes).map((chunk) => [queue, chunk.map(() => next++)] as const);
  }
  const indexOf = new Map(messages.map((message, index) => [message, index]));
  const byQueue = new Map<string, OutgoingMessage[]>();
  for (const message of messages) {
    const queued = byQueue.get(message.queue);
    if (queued) queued.push(message);
    else byQueue.set(message.queue, [message]);
  }
  return [...byQueue].flatMap(([queue, queued]) => chunkMessages(queued, maxBatchEntries, maxBatchBytes).map((chunk) => [queue, chunk.map((message) => indexOf.get(message)!)] as const));
}

/** One SendMessageBatch of `indexes` (sent again for entries SQS failed on its side); fills their `results`. */
async function sendChunk(context: SqsEnqueueContext, sent: SentMessageIds, messages: readonly OutgoingMessage[], results: EnqueueResult[], queue: string, indexes: readonly number[], target: QueueTarget): Promise<void> {
  const maxBodyBytes = target.maxMessageBytes - attributeReserveBytes;
  const entries = new Map<string, SendMessageBatchRequestEntry>();
  for (const index of indexes) {
    const message = messages[index]!;
    // A UTF-16 unit is at most 3 UTF-8 bytes: only a body or id that long has its bytes counted.
    const sizeBytes = message.body.length * 3 > maxBodyBytes ? Buffer.byteLength(message.body) : 0;
    // Refused here, alone: SQS would fail the whole batch for one body over the queue's limit.
    if (sizeBytes > maxBodyBytes) {
      const job = `job ${message.id} for SQS queue ${context.urls.sqsName(queue)} (MaximumMessageSize ${target.maxMessageBytes})`;
      results[index] = { status: "failed", id: message.id, error: new PayloadTooLargeError({ sizeBytes, limitBytes: maxBodyBytes, backend: context.fifo ? "sqs-fifo" : "sqs", job }) };
    } else if (message.id.length * 3 > maxJobIdBytes && Buffer.byteLength(message.id) > maxJobIdBytes) {
      results[index] = { status: "failed", id: message.id, error: new Error(`job id ${message.id.slice(0, 40)}… is over ${maxJobIdBytes} bytes, more than the SQS backend keeps for it`) };
    } else {
      entries.set(String(index), toEntry(context.fifo, message, index));
    }
  }
  for (let round = 0; entries.size > 0; round++) {
    const response = await context.client.send(new SendMessageBatchCommand({ QueueUrl: target.url, Entries: [...entries.values()] }));
    const now = Date.now();
    for (const success of response.Successful ?? []) {
      const message = messages[Number(success.Id)]!;
      // Only a FIFO queue answers a send with an earlier message's id; a standard queue's ids are all new.
      const existingId = context.fifo && success.MessageId ? sent.remember(success.MessageId, message.id, now) : undefined;
      results[Number(success.Id)] = existingId ? { status: "duplicate", id: message.id, existingId } : { status: "enqueued", id: message.id };
      entries.delete(success.Id!);
    }
    const retryable: BatchResultErrorEntry[] = [];
    for (const failure of response.Failed ?? []) {
      if (!failure.SenderFault && round < serverFaultRetries) {
        retryable.push(failure);
        continue;
      }
      const message = messages[Number(failure.Id)]!;
      results[Number(failure.Id)] = { status: "failed", id: message.id, error: new Error(`SQS refused message ${message.id} on ${queue}: ${failure.Code}: ${failure.Message ?? ""}`) };
      entries.delete(failure.Id!);
    }
    if (retryable.length === 0) break;
    await sleep(serverFaultBackoffMs * 2 ** round);
  }
}

function toEntry(fifo: boolean, message: OutgoingMessage, index: number): SendMessageBatchRequestEntry {
  const delaySeconds = message.delayMs ? Math.ceil(message.delayMs / 1000) : 0;
  const attributes = jobIdAttributeFor(message.body, message.id);
  return {
    Id: String(index),
    MessageBody: message.body,
    ...(attributes && { MessageAttributes: attributes }),
    ...(delaySeconds > 0 && { DelaySeconds: delaySeconds }),
    ...(fifo && {
      // A message without an ordering key gets a group of its own, so unrelated jobs run in parallel.
      MessageGroupId: sqsToken(message.orderingKey ?? message.id),
      // Without a dedupe key every send is distinct: a fresh id, never the job id, so a
      // dead letter retried within SQS's 5-minute window is not swallowed as a duplicate.
      MessageDeduplicationId: message.dedupeKey === undefined ? randomUUID() : sqsToken(message.dedupeKey),
    }),
  };
}

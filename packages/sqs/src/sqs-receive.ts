import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import type { ReceivedMessage, ReceiveOptions } from "@hopper/core/backend";
import type { SqsDeleteBatcher } from "./sqs-delete-batcher.js";
import { earlierDeliveriesAttribute, jobIdAttribute } from "./sqs-message-attributes.js";
import { SqsReceivedMessage } from "./sqs-received-message.js";
import type { SqsQueueUrls } from "./sqs-queue-urls.js";

/** SQS's ceilings: 20 s of long polling, 10 messages per receive, 12 h of visibility. */
export const maxWaitSeconds = 20;
export const maxReceiveMessages = 10;
/** Most messages one `receive` gathers: a long poll, then up to 9 immediate polls in parallel while the queue has more. */
export const maxReceiveBatch = 100;
export const maxVisibilitySeconds = 12 * 60 * 60;

export interface SqsReceiveContext {
  readonly client: SQSClient;
  readonly urls: SqsQueueUrls;
  readonly deletes: SqsDeleteBatcher;
  readonly fifo: boolean;
  /** Aborted by close: pending polls answer nothing at once, their requests run on (see `poll`). */
  readonly closing: AbortSignal;
  /** Aborted once close has waited out the requests of abandoned polls: what still runs is cut off. */
  readonly cancelRequests: AbortSignal;
  /** Background work close must wait for (releasing messages of abandoned polls). */
  readonly background: Set<Promise<unknown>>;
  /** How long past its receive a message may stay invisible: SQS's 12 h, or the declared `maxNackDelaySeconds`. */
  readonly visibilityCeilingMs: number;
}

/** Visibility in whole seconds, rounded up so a lease never ends early. */
export function visibilitySeconds(ms: number): number {
  return Math.min(maxVisibilitySeconds, Math.max(0, Math.ceil(ms / 1000)));
}

/**
 * Long-polls until a message arrives or `waitMs` passes. SQS waits in whole
 * seconds, so a wait that is not a whole number of seconds may run up to one
 * second over.
 */
export async function receiveMessages(context: SqsReceiveContext, options: ReceiveOptions): Promise<ReceivedMessage[]> {
  const queueUrl = await context.urls.resolve(options.queue);
  const deadline = Date.now() + options.waitMs;
  const wanted = Math.max(1, Math.min(options.maxMessages, maxReceiveBatch));
  const pollFor = async (count: number, waitSeconds: number) => {
    const polled = await poll(context, queueUrl, { MaxNumberOfMessages: count, WaitTimeSeconds: waitSeconds, VisibilityTimeout: visibilitySeconds(options.leaseMs) }, options.signal);
    return context.fifo ? oneMessagePerGroup(context, queueUrl, polled) : polled;
  };
  for (;;) {
    if (options.signal?.aborted || context.closing.aborted) return [];
    const waitSeconds = Math.min(maxWaitSeconds, Math.max(0, Math.ceil((deadline - Date.now()) / 1000)));
    // Before the request: no later than SQS's receive, from which it counts the 12 h a message may stay invisible.
    const askedAt = Date.now();
    const first = await pollFor(Math.min(wanted, maxReceiveMessages), waitSeconds);
    if (first.length > 0) {
      // A full first batch means more may be waiting: fetch the rest without waiting, in parallel.
      const rest = first.length === maxReceiveMessages && wanted > maxReceiveMessages ? await pollMore(wanted - maxReceiveMessages, (count) => pollFor(count, 0)) : [];
      return [...first, ...rest].map((message) => new SqsReceivedMessage(context, queueUrl, message, askedAt));
    }
    if (waitSeconds === 0 || Date.now() >= deadline) return [];
  }
}

async function pollMore(count: number, pollFor: (count: number) => Promise<Message[]>): Promise<Message[]> {
  const counts = Array.from({ length: Math.ceil(count / maxReceiveMessages) }, (_, index) => Math.min(maxReceiveMessages, count - index * maxReceiveMessages));
  const batches = await Promise.allSettled(counts.map(pollFor));
  // A failed extra poll leased nothing; the messages already in hand are still returned.
  return batches.flatMap((batch) => (batch.status === "fulfilled" ? batch.value : []));
}

/**
 * One ReceiveMessage. When `signal` or close aborts first, the caller gets `[]` at once while the request runs on:
 * SQS serves a long poll to its end whoever is still there, and may lease messages to it, so they are made visible
 * again (uncounted) when it answers, rather than left hidden for a whole lease. Close waits for that.
 */
function poll(context: SqsReceiveContext, queueUrl: string, parameters: { MaxNumberOfMessages: number; WaitTimeSeconds: number; VisibilityTimeout: number }, signal: AbortSignal | undefined): Promise<Message[]> {
  const request = context.client
    .send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        ...parameters,
        MessageSystemAttributeNames: ["ApproximateReceiveCount", "MessageGroupId"],
        MessageAttributeNames: [jobIdAttribute, earlierDeliveriesAttribute],
      }),
      { abortSignal: context.cancelRequests },
    )
    .then((result) => result.Messages ?? [])
    .catch((error: unknown) => {
      if (context.cancelRequests.aborted) return [];
      throw error;
    });
  const stops = signal ? [signal, context.closing] : [context.closing];
  return new Promise((resolve, reject) => {
    let abandoned = false;
    const stopListening = () => stops.forEach((stop) => stop.removeEventListener("abort", onAbort));
    const onAbort = () => {
      stopListening();
      abandoned = true;
      resolve([]);
      // No caller saw them: they go back uncounted (FIFO messages of one shared group excepted, see handBackUncounted).
      const release = request.then((messages) => Promise.all(messages.map((message) => new SqsReceivedMessage(context, queueUrl, message, Date.now()).nack({ countAttempt: false })))).catch(() => {});
      context.background.add(release);
      void release.finally(() => context.background.delete(release));
    };
    if (stops.some((stop) => stop.aborted)) return onAbort();
    for (const stop of stops) stop.addEventListener("abort", onAbort, { once: true });
    request.then(
      (messages) => {
        stopListening();
        if (!abandoned) resolve(messages);
      },
      (error: unknown) => {
        stopListening();
        if (!abandoned) reject(error);
      },
    );
  });
}

/**
 * SQS may hand out several messages of one FIFO group in one receive; the
 * contract delivers a key one message at a time, so later ones go back at once.
 * Their receive count then includes this hand-back (see README).
 */
async function oneMessagePerGroup(context: SqsReceiveContext, queueUrl: string, messages: Message[]): Promise<Message[]> {
  const seen = new Set<string>();
  const kept: Message[] = [];
  const extra: Message[] = [];
  for (const message of messages) {
    const group = message.Attributes?.MessageGroupId;
    if (group !== undefined && seen.has(group)) extra.push(message);
    else kept.push(message);
    if (group !== undefined) seen.add(group);
  }
  if (extra.length > 0) await releaseNow(context, queueUrl, extra);
  return kept;
}

async function releaseNow(context: SqsReceiveContext, queueUrl: string, messages: readonly Message[]): Promise<void> {
  for (let start = 0; start < messages.length; start += maxReceiveMessages) {
    const chunk = messages.slice(start, start + maxReceiveMessages);
    if (chunk.length === 0) continue;
    await context.client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 })),
      }),
    );
  }
}

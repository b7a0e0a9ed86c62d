import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import type { ReceivedMessage, ReceiveOptions } from "@hopper/core/backend";
import type { SqsDeleteBatcher } from "./sqs-delete-batcher.js";
import { earlierDeliveriesAttribute, jobIdAttribute } from "./sqs-message-attributes.js";
import type { SqsFifoLines } from "./sqs-fifo-lines.js";
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
  /** A FIFO backend's group lines (one message of a group out at a time, the rest held here); absent on standard queues. */
  readonly fifoLines: SqsFifoLines | undefined;
}

/** Visibility in whole seconds, rounded up so a lease never ends early. */
export function visibilitySeconds(ms: number): number {
  return Math.min(maxVisibilitySeconds, Math.max(0, Math.ceil(ms / 1000)));
}

/**
 * Long-polls until a message arrives or `waitMs` passes. SQS waits in whole
 * seconds, so a wait that is not a whole number of seconds may run up to one
 * second over. On a FIFO queue what the polls bring is filed into the groups'
 * lines (sqs-fifo-lines.ts) and the heads that may go out are returned: one
 * message of a group at a time, the rest held leased here; a head becoming
 * ready (its predecessor acked) ends a wait at once.
 */
export async function receiveMessages(context: SqsReceiveContext, options: ReceiveOptions): Promise<ReceivedMessage[]> {
  const queueUrl = await context.urls.resolve(options.queue);
  const deadline = Date.now() + options.waitMs;
  const wanted = Math.max(1, Math.min(options.maxMessages, maxReceiveBatch));
  const lines = context.fifoLines;
  const parameters = (count: number, waitSeconds: number) => ({ MaxNumberOfMessages: count, WaitTimeSeconds: waitSeconds, VisibilityTimeout: visibilitySeconds(options.leaseMs) });
  const takeReady = () => lines!.take(queueUrl, wanted).map(({ message, askedAt }) => new SqsReceivedMessage(context, queueUrl, message, askedAt));
  for (;;) {
    if (options.signal?.aborted || context.closing.aborted) return [];
    if (lines) {
      const ready = takeReady();
      if (ready.length > 0) return ready;
    }
    const waitSeconds = Math.min(maxWaitSeconds, Math.max(0, Math.ceil((deadline - Date.now()) / 1000)));
    // Before the request: no later than SQS's receive, from which it counts the 12 h a message may stay invisible.
    const askedAt = Date.now();
    const fileLate = (messages: readonly Message[]) => lines!.intake(queueUrl, messages, askedAt, options.leaseMs);
    const woken = lines && new AbortController();
    const early = woken && { ready: lines!.whenReady(queueUrl, woken.signal), late: fileLate };
    const first = await poll(context, queueUrl, parameters(Math.min(wanted, maxReceiveMessages), waitSeconds), options.signal, early).finally(() => woken?.abort());
    // A full first batch means more may be waiting: fetch the rest without waiting, in parallel.
    const rest = first.length === maxReceiveMessages && wanted > maxReceiveMessages ? await pollMore(wanted - maxReceiveMessages, (count) => poll(context, queueUrl, parameters(count, 0), options.signal)) : [];
    const messages = [...first, ...rest];
    if (lines) {
      fileLate(messages);
      const ready = takeReady();
      if (ready.length > 0) return ready;
    } else if (messages.length > 0) {
      return messages.map((message) => new SqsReceivedMessage(context, queueUrl, message, askedAt));
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
 * again (uncounted) when it answers, rather than left hidden for a whole lease. Close waits for that. `early.ready`
 * also answers `[]` at once (a FIFO line's head became ready); what the request brings then goes to `early.late`.
 */
function poll(context: SqsReceiveContext, queueUrl: string, parameters: { MaxNumberOfMessages: number; WaitTimeSeconds: number; VisibilityTimeout: number }, signal: AbortSignal | undefined, early?: { readonly ready: Promise<void>; readonly late: (messages: Message[]) => void }): Promise<Message[]> {
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
    let answered = false;
    const stopListening = () => stops.forEach((stop) => stop.removeEventListener("abort", onAbort));
    /** Answers the caller now; the request runs on, and `late` takes what it brings. */
    const leave = (late: (messages: Message[]) => unknown) => {
      if (answered) return;
      answered = true;
      stopListening();
      resolve([]);
      const handled = request.then(late).catch(() => {});
      context.background.add(handled);
      void handled.finally(() => context.background.delete(handled));
    };
    // No caller saw them: they go back uncounted (FIFO messages of one shared group excepted, see handBackUncounted).
    const onAbort = () => leave((messages) => Promise.all(messages.map((message) => new SqsReceivedMessage(context, queueUrl, message, Date.now()).nack({ countAttempt: false }))));
    if (stops.some((stop) => stop.aborted)) return onAbort();
    for (const stop of stops) stop.addEventListener("abort", onAbort, { once: true });
    if (early) void early.ready.then(() => leave(early.late));
    request.then(
      (messages) => {
        stopListening();
        if (answered) return;
        answered = true;
        resolve(messages);
      },
      (error: unknown) => {
        stopListening();
        if (answered) return;
        answered = true;
        reject(error);
      },
    );
  });
}

/** Sets the visibility of messages of one queue, 10 to a `ChangeMessageVisibilityBatch`; resolves with the receipt handles SQS refused. */
export async function changeVisibilities(client: SQSClient, queueUrl: string, entries: readonly { readonly receiptHandle: string; readonly seconds: number }[]): Promise<Set<string>> {
  const refused = new Set<string>();
  for (let start = 0; start < entries.length; start += maxReceiveMessages) {
    const chunk = entries.slice(start, start + maxReceiveMessages);
    const result = await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((entry, index) => ({ Id: String(index), ReceiptHandle: entry.receiptHandle, VisibilityTimeout: entry.seconds })),
      }),
    );
    for (const failed of result.Failed ?? []) refused.add(chunk[Number(failed.Id)]!.receiptHandle);
  }
  return refused;
}

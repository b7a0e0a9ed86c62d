import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import { abortableSleep, type ReceivedMessage, type ReceiveOptions } from "@hopper/core/backend";
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
 * second over. FIFO queues go through their groups' lines (`receiveFifo`).
 */
export async function receiveMessages(context: SqsReceiveContext, options: ReceiveOptions): Promise<ReceivedMessage[]> {
  const queueUrl = await context.urls.resolve(options.queue);
  if (context.fifoLines) return receiveFifo(context, context.fifoLines, queueUrl, options);
  const deadline = Date.now() + options.waitMs;
  const wanted = Math.max(1, Math.min(options.maxMessages, maxReceiveBatch));
  for (;;) {
    if (options.signal?.aborted || context.closing.aborted) return [];
    const waitSeconds = waitSecondsUntil(deadline);
    // Before the request: no later than SQS's receive, from which it counts the 12 h a message may stay invisible.
    const askedAt = Date.now();
    const first = await poll(context, queueUrl, pollParameters(Math.min(wanted, maxReceiveMessages), waitSeconds, options.leaseMs), options.signal);
    if (first.length > 0) {
      // A full first batch means more may be waiting: fetch the rest without waiting, in parallel.
      const rest = first.length === maxReceiveMessages && wanted > maxReceiveMessages ? await pollMore(wanted - maxReceiveMessages, (count) => poll(context, queueUrl, pollParameters(count, 0, options.leaseMs), options.signal)) : [];
      return [...first, ...rest].map((message) => new SqsReceivedMessage(context, queueUrl, message, askedAt));
    }
    if (waitSeconds === 0 || Date.now() >= deadline) return [];
  }
}

/**
 * A FIFO receive: what SQS hands out is filed into the groups' lines (sqs-fifo-lines.ts), and the heads that may go
 * out are returned, one message of a group at a time. One poll per queue is in flight, shared by the receives that
 * wait; a head becoming ready (its predecessor's ack landed) answers a waiting receive at once, the poll running on
 * for the next one.
 */
async function receiveFifo(context: SqsReceiveContext, lines: SqsFifoLines, queueUrl: string, options: ReceiveOptions): Promise<ReceivedMessage[]> {
  const deadline = Date.now() + options.waitMs;
  const wanted = Math.max(1, Math.min(options.maxMessages, maxReceiveBatch));
  for (let polled = false; ; polled = true) {
    if (options.signal?.aborted || context.closing.aborted) {
      handBackReady(context, lines, queueUrl);
      return [];
    }
    const ready = lines.take(queueUrl, wanted);
    if (ready.length > 0) return ready.map(({ message, askedAt, leaseFrom }) => new SqsReceivedMessage(context, queueUrl, message, askedAt, leaseFrom));
    if (polled && Date.now() >= deadline) return [];
    let inFlight = lines.polls.get(queueUrl);
    // A receive waits out the poll it started (its wait is the receive's own): what it brings is what was asked for,
    // and a strict pass must see it before asking a lower queue. Another receive's poll is waited for only until the deadline.
    const ours = !inFlight;
    if (!inFlight) {
      const askedAt = Date.now();
      // Tied to the receive that started it: a stopping worker (or close) abandons it, and what it brings goes back.
      const request = poll(context, queueUrl, pollParameters(Math.min(wanted, maxReceiveMessages), waitSecondsUntil(deadline), options.leaseMs), options.signal);
      inFlight = request
        .then((messages) => lines.intake(queueUrl, messages, askedAt, options.leaseMs))
        .finally(() => lines.polls.delete(queueUrl));
      // Its receive may have been answered by a ready head already: a failure nobody awaits must not end the process.
      inFlight.catch(() => {});
      lines.polls.set(queueUrl, inFlight);
    }
    const stop = new AbortController();
    const stopped = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    try {
      // A failed poll fails this receive (the worker logs it and backs off); its messages were never ours.
      await Promise.race([inFlight, lines.whenReady(queueUrl, stopped), ...(ours ? [] : [abortableSleep(Math.max(0, deadline - Date.now()), stopped)])]);
    } finally {
      stop.abort();
    }
  }
}

/**
 * A stopping worker's receive hands back the heads no one took (as an abandoned poll does its messages: uncounted where
 * SQS allows), each taking its line's followers back in order.
 */
function handBackReady(context: SqsReceiveContext, lines: SqsFifoLines, queueUrl: string): void {
  const untaken = lines.take(queueUrl, Number.POSITIVE_INFINITY);
  if (untaken.length === 0) return;
  const handedBack = Promise.all(untaken.map(({ message, askedAt }) => new SqsReceivedMessage(context, queueUrl, message, askedAt).nack({ countAttempt: false }))).catch(() => {});
  context.background.add(handedBack);
  void handedBack.finally(() => context.background.delete(handedBack));
}

function pollParameters(count: number, waitSeconds: number, leaseMs: number) {
  return { MaxNumberOfMessages: count, WaitTimeSeconds: waitSeconds, VisibilityTimeout: visibilitySeconds(leaseMs) };
}

function waitSecondsUntil(deadline: number): number {
  return Math.min(maxWaitSeconds, Math.max(0, Math.ceil((deadline - Date.now()) / 1000)));
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

import { GetQueueAttributesCommand, SQSClient, type QueueAttributeName } from "@aws-sdk/client-sqs";
import { ConfigurationError } from "@hopper/core";
import { BACKEND_SPECIFICATION_VERSION, BackendClosedError, QueueReceivers, type Backend, type BackendCapabilities, type QueueStats, optionKeysOf, rejectUnknownOptions } from "@hopper/core/backend";
import { SqsDeleteBatcher } from "./sqs-delete-batcher.js";
import { dedupeWindowMs, enqueueMessages, SentMessageIds } from "./sqs-enqueue.js";
import { attributeReserveBytes, maxBatchBytes, maxBatchEntries, sqsMaxMessageBytes } from "./sqs-message-attributes.js";
import { SqsQueueUrls } from "./sqs-queue-urls.js";
import { SqsFifoLines } from "./sqs-fifo-lines.js";
import { changeVisibilities, maxReceiveBatch, maxVisibilitySeconds, maxWaitSeconds, receiveMessages } from "./sqs-receive.js";

export const SQS_MAX_MESSAGE_BYTES = sqsMaxMessageBytes;
/** SQS's per-message delay limit (DelaySeconds). */
export const SQS_MAX_DELAY_SECONDS = 15 * 60;
const maxVisibilityMs = maxVisibilitySeconds * 1000;
/** SQS's default MessageRetentionPeriod (4 days); its bounds are 60 s to 14 days. */
export const SQS_DEFAULT_RETENTION_SECONDS = 4 * 24 * 60 * 60;
const maxRetentionSeconds = 14 * 24 * 60 * 60;

/** A standard queue: delays, visibility-timeout leases and receive counts; no order, no dedupe. */
export const SQS_CAPABILITIES: BackendCapabilities = {
  maxBatchSize: maxBatchEntries,
  maxBatchBytes,
  maxPayloadBytes: SQS_MAX_MESSAGE_BYTES - attributeReserveBytes,
  maxReceiveBatch,
  delayedDelivery: { maxDelayMs: SQS_MAX_DELAY_SECONDS * 1000 },
  nackDelay: { maxDelayMs: maxVisibilityMs },
  priority: false,
  ordering: false,
  deduplication: false,
  leaseExtension: { maxLeaseMs: maxVisibilityMs },
  messageRetentionMs: SQS_DEFAULT_RETENTION_SECONDS * 1000,
  // Visibility timeouts are whole seconds.
  minLeaseMs: 1000,
  deliveryAttempts: true,
  // SQS cannot take a receive back: an uncounted hand-back is a copy carrying the earlier deliveries (sqs-hand-back.ts).
  uncountedNack: true,
  reportsLostLease: true,
};

/**
 * A FIFO queue: ordering keys are message groups, dedupe keys deduplication ids.
 * FIFO queues take no per-message DelaySeconds, so delays are held back by the
 * core with visibility timeouts (nack delays) instead.
 */
export const SQS_FIFO_CAPABILITIES: BackendCapabilities = {
  ...SQS_CAPABILITIES,
  delayedDelivery: false,
  ordering: true,
  deduplication: true,
  // SQS deduplicates for 5 minutes from the first send and names the first message to its sender only.
  deduplicationWindowMs: dedupeWindowMs,
};

export interface SqsBackendOptions {
  /** A client you configure and own (it is not destroyed on close). Otherwise one is built from `region` and `endpoint`. */
  readonly client?: SQSClient;
  /** AWS region; default AWS_REGION. Ignored with `client`. */
  readonly region?: string;
  /** Custom endpoint: an emulator or a VPC endpoint. Ignored with `client`. */
  readonly endpoint?: string;
  /** Prepended to every Hopper queue name to form the SQS queue name, e.g. "myapp-". Default "". */
  readonly queuePrefix?: string;
  /** Create missing SQS queues on first use (CreateQueue). Default false: queues are looked up by name. */
  readonly createQueues?: boolean;
  /** Use FIFO queues (`<prefix><queue>.fifo`): ordering and deduplication, no native delays. Default false. */
  readonly fifo?: boolean;
  /** Extra attributes for queues created by `createQueues` (e.g. RedrivePolicy, KmsMasterKeyId). */
  readonly queueAttributes?: Readonly<Record<string, string>>;
  /** Declared delay limit in seconds, at most SQS's 900; lower it to exercise the core's hop-by-hop delays. */
  readonly maxDelaySeconds?: number;
  /**
   * SQS's visibility ceiling as declared, in seconds, at most its 43200 (12 h): the longest nack delay, and how long past
   * its receive a running job's lease can be renewed. Lower it only to exercise the core's long holds in tests.
   */
  readonly maxNackDelaySeconds?: number;
  /**
   * The queues' MessageRetentionPeriod in seconds (default SQS's 345600, 4 days): declare it when your
   * queues keep messages for less, so no job is held on one message past it. Queues made by `createQueues` get it.
   */
  readonly messageRetentionSeconds?: number;
  /** How long acks wait to be sent together in one DeleteMessageBatch. Default 0: acks made in the same turn of the event loop (a received batch finishing together) share one call. */
  readonly ackFlushMs?: number;
  /** SDK attempts per call for a client built here (standard retry mode: backoff with jitter on throttling and transient errors). Default 5. */
  readonly maxAttempts?: number;
}

const queuePrefixPattern = /^[A-Za-z0-9_-]*$/;

const optionKeys = optionKeysOf<SqsBackendOptions>({ client: true, region: true, endpoint: true, queuePrefix: true, createQueues: true, fifo: true, queueAttributes: true, maxDelaySeconds: true, maxNackDelaySeconds: true, messageRetentionSeconds: true, ackFlushMs: true, maxAttempts: true });

/** Amazon SQS: one SQS queue per Hopper queue. */
export function createSqsBackend(options: SqsBackendOptions = {}): Backend {
  if (typeof options === "object" && options !== null) rejectUnknownOptions(options, optionKeys, "createSqsBackend()");
  const queuePrefix = options.queuePrefix ?? "";
  if (typeof queuePrefix !== "string" || !queuePrefixPattern.test(queuePrefix)) {
    throw new ConfigurationError({ field: "queuePrefix", message: `${JSON.stringify(queuePrefix)} can hold only letters, digits, "-" and "_" (SQS queue name characters)` });
  }
  const maxDelaySeconds = options.maxDelaySeconds ?? SQS_MAX_DELAY_SECONDS;
  if (!Number.isSafeInteger(maxDelaySeconds) || maxDelaySeconds < 1 || maxDelaySeconds > SQS_MAX_DELAY_SECONDS) {
    throw new ConfigurationError({ field: "maxDelaySeconds", message: `must be an integer from 1 to ${SQS_MAX_DELAY_SECONDS} (SQS's DelaySeconds limit), got ${JSON.stringify(maxDelaySeconds)}` });
  }
  const maxNackDelaySeconds = wholeSeconds("maxNackDelaySeconds", options.maxNackDelaySeconds ?? maxVisibilitySeconds, 1, maxVisibilitySeconds, "SQS's 12-hour visibility limit");
  const messageRetentionSeconds = wholeSeconds("messageRetentionSeconds", options.messageRetentionSeconds ?? SQS_DEFAULT_RETENTION_SECONDS, 1, maxRetentionSeconds, "SQS's MessageRetentionPeriod bounds are 60 to 1209600");
  const ackFlushMs = options.ackFlushMs ?? 0;
  if (!Number.isFinite(ackFlushMs) || ackFlushMs < 0) {
    throw new ConfigurationError({ field: "ackFlushMs", message: `must be a number of milliseconds ≥ 0, got ${JSON.stringify(ackFlushMs)}` });
  }
  const fifo = options.fifo ?? false;
  const declaredLimits = { nackDelay: { maxDelayMs: maxNackDelaySeconds * 1000 }, messageRetentionMs: messageRetentionSeconds * 1000 };
  const capabilities: BackendCapabilities = fifo
    ? { ...SQS_FIFO_CAPABILITIES, ...declaredLimits }
    : { ...SQS_CAPABILITIES, ...declaredLimits, delayedDelivery: { maxDelayMs: maxDelaySeconds * 1000 } };

  const ownsClient = options.client === undefined;
  const client = options.client ?? createClient(options);
  // Queues made here keep messages as long as declared (60 s is SQS's floor), unless queueAttributes say otherwise.
  const queueAttributes = { MessageRetentionPeriod: String(Math.max(60, messageRetentionSeconds)), ...options.queueAttributes };
  const urls = new SqsQueueUrls(client, { queuePrefix, fifo, createQueues: options.createQueues ?? false, queueAttributes });
  const deletes = new SqsDeleteBatcher(client, ackFlushMs);
  const sent = new SentMessageIds();
  const closing = new AbortController();
  const cancelRequests = new AbortController();
  const background = new Set<Promise<unknown>>();
  const fifoLines = fifo ? new SqsFifoLines({ change: (queueUrl, entries) => changeVisibilities(client, queueUrl, entries) }, maxNackDelaySeconds * 1000, background) : undefined;
  const name = fifo ? "sqs-fifo" : "sqs";
  let closed: Promise<void> | undefined;
  // A FIFO queue's lines go back once the last worker receiving from it stops; a worker started meanwhile keeps them.
  // Lines exist only for a queue whose URL was looked up: nothing is asked of SQS here.
  const receivers = new QueueReceivers((queue) => {
    void urls.known(queue)?.then((url) => void (!receivers.has(queue) && fifoLines?.leave(url)), () => {});
  });

  const ensureOpen = () => {
    if (closing.signal.aborted) throw new BackendClosedError({ backend: name });
  };

  return {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    name,
    capabilities,
    destinationOf: (queue) => urls.sqsName(queue),
    ...(fifoLines && { receiveFrom: (queues: readonly string[]) => receivers.add(queues) }),

    async enqueue(messages) {
      ensureOpen();
      return enqueueMessages({ client, urls, fifo }, sent, messages);
    },

    async receive(receiveOptions) {
      ensureOpen();
      return receiveMessages({ client, urls, deletes, fifo, closing: closing.signal, cancelRequests: cancelRequests.signal, background, visibilityCeilingMs: maxNackDelaySeconds * 1000, fifoLines }, receiveOptions);
    },

    async stats(queue): Promise<QueueStats> {
      ensureOpen();
      const result = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: await urls.resolve(queue),
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      const count = (attribute: QueueAttributeName) => Number(result.Attributes?.[attribute] ?? 0);
      return { ready: count("ApproximateNumberOfMessages"), delayed: count("ApproximateNumberOfMessagesDelayed"), inFlight: count("ApproximateNumberOfMessagesNotVisible") };
    },

    close() {
      closed ??= (async () => {
        closing.abort();
        // What FIFO group lines held goes back to SQS now, in order (into `background`, waited for below).
        await fifoLines?.close();
        // The polls just abandoned run out (at most their wait, 20 s) and hand back what they bring; past that and
        // a little more for the hand-backs, what is left is cut off.
        let timer: NodeJS.Timeout | undefined;
        const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, (maxWaitSeconds + 5) * 1000)));
        await Promise.race([Promise.allSettled([...background]), bound]);
        clearTimeout(timer);
        cancelRequests.abort();
        await deletes.flush();
        await Promise.allSettled([...background]);
        if (ownsClient) client.destroy();
      })();
      return closed;
    },
  };
}

function createClient(options: SqsBackendOptions): SQSClient {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ConfigurationError({ field: "region", message: "no AWS region: pass region (or sqs://REGION/prefix), or set AWS_REGION" });
  }
  return new SQSClient({
    region,
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    retryMode: "standard",
    maxAttempts: options.maxAttempts ?? 5,
  });
}

function wholeSeconds(field: string, value: number, min: number, max: number, why: string): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigurationError({ field, message: `must be a whole number of seconds from ${min} to ${max} (${why}), got ${JSON.stringify(value)}` });
  }
  return value;
}

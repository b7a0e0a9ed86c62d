import { GetQueueAttributesCommand, SQSClient, type QueueAttributeName } from "@aws-sdk/client-sqs";
import { ConfigurationError } from "@hopper/core";
import { BACKEND_SPECIFICATION_VERSION, BackendClosedError, type Backend, type BackendCapabilities, type QueueStats } from "@hopper/core/backend";
import { SqsDeleteBatcher } from "./sqs-delete-batcher.js";
import { enqueueMessages, SentMessageIds } from "./sqs-enqueue.js";
import { attributeReserveBytes, maxBatchBytes, maxBatchEntries, sqsMaxMessageBytes } from "./sqs-message-attributes.js";
import { SqsQueueUrls } from "./sqs-queue-urls.js";
import { maxReceiveBatch, maxVisibilitySeconds, receiveMessages } from "./sqs-receive.js";

export const SQS_MAX_MESSAGE_BYTES = sqsMaxMessageBytes;
/** SQS's per-message delay limit (DelaySeconds). */
export const SQS_MAX_DELAY_SECONDS = 15 * 60;
const maxVisibilityMs = maxVisibilitySeconds * 1000;

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
  // Visibility timeouts are whole seconds.
  minLeaseMs: 1000,
  deliveryAttempts: true,
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
  /** How long acks wait to be sent together in one DeleteMessageBatch. Default 0: acks made in the same turn of the event loop (a received batch finishing together) share one call. */
  readonly ackFlushMs?: number;
  /** SDK attempts per call for a client built here (standard retry mode: backoff with jitter on throttling and transient errors). Default 5. */
  readonly maxAttempts?: number;
}

const queuePrefixPattern = /^[A-Za-z0-9_-]*$/;

/** Amazon SQS: one SQS queue per Hopper queue. */
export function createSqsBackend(options: SqsBackendOptions = {}): Backend {
  const queuePrefix = options.queuePrefix ?? "";
  if (typeof queuePrefix !== "string" || !queuePrefixPattern.test(queuePrefix)) {
    throw new ConfigurationError({ field: "queuePrefix", message: `${JSON.stringify(queuePrefix)} can hold only letters, digits, "-" and "_" (SQS queue name characters)` });
  }
  const maxDelaySeconds = options.maxDelaySeconds ?? SQS_MAX_DELAY_SECONDS;
  if (!Number.isSafeInteger(maxDelaySeconds) || maxDelaySeconds < 1 || maxDelaySeconds > SQS_MAX_DELAY_SECONDS) {
    throw new ConfigurationError({ field: "maxDelaySeconds", message: `must be an integer from 1 to ${SQS_MAX_DELAY_SECONDS} (SQS's DelaySeconds limit), got ${JSON.stringify(maxDelaySeconds)}` });
  }
  const ackFlushMs = options.ackFlushMs ?? 0;
  if (!Number.isFinite(ackFlushMs) || ackFlushMs < 0) {
    throw new ConfigurationError({ field: "ackFlushMs", message: `must be a number of milliseconds ≥ 0, got ${JSON.stringify(ackFlushMs)}` });
  }
  const fifo = options.fifo ?? false;
  const capabilities: BackendCapabilities = fifo
    ? SQS_FIFO_CAPABILITIES
    : { ...SQS_CAPABILITIES, delayedDelivery: { maxDelayMs: maxDelaySeconds * 1000 } };

  const ownsClient = options.client === undefined;
  const client = options.client ?? createClient(options);
  const urls = new SqsQueueUrls(client, { queuePrefix, fifo, createQueues: options.createQueues ?? false, queueAttributes: options.queueAttributes ?? {} });
  const deletes = new SqsDeleteBatcher(client, ackFlushMs);
  const sent = new SentMessageIds();
  const closing = new AbortController();
  const background = new Set<Promise<unknown>>();
  const name = fifo ? "sqs-fifo" : "sqs";
  let closed: Promise<void> | undefined;

  const ensureOpen = () => {
    if (closing.signal.aborted) throw new BackendClosedError({ backend: name });
  };

  return {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    name,
    capabilities,

    async enqueue(messages) {
      ensureOpen();
      return enqueueMessages({ client, urls, fifo }, sent, messages);
    },

    async receive(receiveOptions) {
      ensureOpen();
      return receiveMessages({ client, urls, deletes, fifo, closing: closing.signal, background }, receiveOptions);
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

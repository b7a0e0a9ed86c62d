import { PubSub, v1 } from "@google-cloud/pubsub";
import { ConfigurationError } from "@hopper/core";
import { BACKEND_SPECIFICATION_VERSION, BackendClosedError, QueueReceivers, type Backend, type BackendCapabilities, optionKeysOf, rejectUnknownOptions } from "@hopper/core/backend";
import { PubSubAckBatcher } from "./pubsub-ack-batcher.js";
import { MAX_ACK_DEADLINE_SECONDS, PUBSUB_CAPABILITIES } from "./pubsub-capabilities.js";
import { publishMessages } from "./pubsub-enqueue.js";
import { PubSubOrderingLines } from "./pubsub-ordering.js";
import { PullPacer } from "./pubsub-pull-pacer.js";
import { PubSubQueues } from "./pubsub-queues.js";
import { pullMessages, type PullContext } from "./pubsub-receive.js";

export interface PubSubBackendOptions {
  /** A client you own (its project, credentials, endpoint); `close()` leaves it open. Give this or `projectId`. */
  readonly client?: PubSub;
  /** Google Cloud project; the backend then creates (and closes) its own client. PUBSUB_EMULATOR_HOST is honoured. */
  readonly projectId?: string;
  /** Prepended to queue names to form topic and subscription ids. Default "hopper-". */
  readonly topicPrefix?: string;
  /** Create missing topics and subscriptions on first use. Default true; false expects them to exist (IAM without pubsub.editor). */
  readonly createTopics?: boolean;
  /**
   * Publish with message ordering and create subscriptions with it, so
   * `orderingKey` maps to Pub/Sub ordering keys. Default false (ordering costs throughput).
   */
  readonly messageOrdering?: boolean;
  /**
   * Give new subscriptions a Pub/Sub dead-letter policy: after this many deliveries
   * Pub/Sub forwards a message to `<prefix><queue>-undeliverable`. Pub/Sub then counts
   * deliveries, so `deliveryAttempts` is declared. Default: none (the core's dead letters only).
   */
  readonly deadLetter?: { readonly maxDeliveryAttempts: number };
  /**
   * Publisher batching: most messages per publish request (1 to 1000, Pub/Sub's limit) and the longest
   * a message waits for others to join its request. Default 1000 messages, 0 ms: Hopper's enqueue lane
   * already gathers concurrent calls into one send, and a send's messages are all queued before the
   * client's timer fires, so they still go as one request; a longer wait would only hold every send
   * back (sends go one at a time), which cost 5 ms a send with the previous default.
   */
  readonly publishBatching?: { readonly maxMessages?: number; readonly maxMilliseconds?: number };
  /** Longest wait before collected acks and deadline changes are sent. Default 5 ms. */
  readonly ackBatchDelayMs?: number;
  /**
   * Longest single nack delay, normally Pub/Sub's 600 s ack-deadline limit. Lower it
   * only to exercise the core's step-by-step hold-back in tests.
   */
  readonly maxNackDelayMs?: number;
  /**
   * How long the subscriptions keep unacked messages (messageRetentionDuration), default Pub/Sub's 7 days:
   * declare it when yours keep less, so no job is held on one message past it.
   */
  readonly messageRetentionMs?: number;
}

/** A Hopper backend on Google Cloud Pub/Sub: a topic and a subscription per queue. */
export function createPubSubBackend(options: PubSubBackendOptions): Backend {
  const pubsub = resolveClient(options);
  const ownsClient = options.client === undefined;
  const deadLetter = validateDeadLetter(options.deadLetter);
  const maxNackDelayMs = options.maxNackDelayMs ?? MAX_ACK_DEADLINE_SECONDS * 1000;
  if (!Number.isSafeInteger(maxNackDelayMs) || maxNackDelayMs < 1000 || maxNackDelayMs > 600_000) {
    throw new ConfigurationError({ field: "maxNackDelayMs", message: `must be an integer from 1000 to 600000 (Pub/Sub's ack-deadline limit), got ${JSON.stringify(options.maxNackDelayMs)}` });
  }
  const messageRetentionMs = options.messageRetentionMs ?? PUBSUB_CAPABILITIES.messageRetentionMs!;
  if (!Number.isSafeInteger(messageRetentionMs) || messageRetentionMs < 1000 || messageRetentionMs > PUBSUB_CAPABILITIES.messageRetentionMs!) {
    throw new ConfigurationError({ field: "messageRetentionMs", message: `must be an integer from 1000 to ${PUBSUB_CAPABILITIES.messageRetentionMs} (Pub/Sub's 7-day subscription retention), got ${JSON.stringify(options.messageRetentionMs)}` });
  }
  const capabilities: BackendCapabilities = {
    ...PUBSUB_CAPABILITIES,
    messageRetentionMs,
    ordering: options.messageOrdering === true,
    deliveryAttempts: deadLetter !== undefined,
    nackDelay: { maxDelayMs: maxNackDelayMs },
  };
  const queues = new PubSubQueues({
    pubsub,
    topicPrefix: options.topicPrefix ?? "hopper-",
    createTopics: options.createTopics ?? true,
    messageOrdering: capabilities.ordering,
    deadLetter,
    publishBatching: validatePublishBatching(options.publishBatching),
  });
  const closing = new AbortController();
  const ensureOpen = () => {
    if (closing.signal.aborted) throw new BackendClosedError({ backend: "pubsub" });
  };
  // The v1 client shares the library's endpoint and credentials (emulator included).
  const orderingLines = new Map<string, PubSubOrderingLines>();
  const pullPacers = new Map<string, PullPacer>();
  const pullContext: Promise<PullContext> = pubsub.getClientConfig().then((config) => {
    const client = new v1.SubscriberClient({ ...config, port: config.port === undefined ? undefined : Number(config.port) });
    const acks = new PubSubAckBatcher(client, options.ackBatchDelayMs ?? 5);
    return {
      client,
      acks,
      nackMaxDelayMs: maxNackDelayMs,
      countsDeliveries: capabilities.deliveryAttempts,
      closing: closing.signal,
      ensureOpen,
      orderingLines: (subscription) => {
        if (!capabilities.ordering) return undefined;
        let lines = orderingLines.get(subscription);
        if (!lines) orderingLines.set(subscription, (lines = new PubSubOrderingLines(acks, subscription)));
        return lines;
      },
      pullPacer: (subscription) => {
        let pacer = pullPacers.get(subscription);
        if (!pacer) pullPacers.set(subscription, (pacer = new PullPacer()));
        return pacer;
      },
    };
  });
  pullContext.catch(() => {}); // surfaced by the first receive
  let closed: Promise<void> | undefined;
  // A queue's ordering lines give back what they hold once the last worker receiving from it stops; a worker started
  // meanwhile keeps them. Lines exist only for a queue that was looked up: nothing is asked of Pub/Sub here.
  const receivers = new QueueReceivers((queue) => {
    void queues.known(queue)?.then((resources) => void (!receivers.has(queue) && orderingLines.get(resources.subscriptionPath)?.leave()), () => {});
  });

  return {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    name: "pubsub",
    capabilities,
    destinationOf: (queue) => queues.resourceId(queue),
    ...(capabilities.ordering && { receiveFrom: (names: readonly string[]) => receivers.add(names) }),

    async enqueue(messages) {
      ensureOpen();
      return publishMessages(queues, messages);
    },

    async receive(receiveOptions) {
      ensureOpen();
      const prepared = await Promise.all([pullContext, queues.get(receiveOptions.queue)]).catch((error: unknown) => {
        // close() closed the client under a first receive still creating its queue: that receive gets nothing, as any pending one.
        if (closing.signal.aborted) return undefined;
        throw error;
      });
      return prepared ? pullMessages(prepared[0], prepared[1], receiveOptions) : [];
    },

    close() {
      closed ??= (async () => {
        closing.abort();
        const context = await pullContext.catch(() => undefined);
        // Messages waiting behind their key's head go back to Pub/Sub, in order.
        await Promise.allSettled([...orderingLines.values()].map((lines) => lines.close()));
        await context?.acks.flush();
        await context?.client.close();
        if (ownsClient) await pubsub.close();
      })();
      return closed;
    },
  };
}

const optionKeys = optionKeysOf<PubSubBackendOptions>({ client: true, projectId: true, topicPrefix: true, createTopics: true, messageOrdering: true, deadLetter: true, publishBatching: true, ackBatchDelayMs: true, maxNackDelayMs: true, messageRetentionMs: true });

function resolveClient(options: PubSubBackendOptions): PubSub {
  if (typeof options !== "object" || options === null) throw new ConfigurationError({ field: "options", message: "createPubSubBackend takes { client } or { projectId }" });
  rejectUnknownOptions(options, optionKeys, "createPubSubBackend()");
  if (options.client && options.projectId) throw new ConfigurationError({ field: "projectId", message: "give either client or projectId, not both (the client already names its project)" });
  if (options.client) return options.client;
  if (typeof options.projectId !== "string" || options.projectId.length === 0) {
    throw new ConfigurationError({ field: "projectId", message: "give the Google Cloud project id, e.g. createPubSubBackend({ projectId: \"my-project\" }), or pass a PubSub client" });
  }
  return new PubSub({ projectId: options.projectId });
}

function validateDeadLetter(deadLetter: PubSubBackendOptions["deadLetter"]): PubSubBackendOptions["deadLetter"] {
  if (deadLetter === undefined) return undefined;
  const attempts = deadLetter?.maxDeliveryAttempts;
  if (!Number.isSafeInteger(attempts) || attempts < 5 || attempts > 100) {
    throw new ConfigurationError({ field: "deadLetter.maxDeliveryAttempts", message: `Pub/Sub accepts 5 to 100, got ${JSON.stringify(attempts)}` });
  }
  return deadLetter;
}

function validatePublishBatching(batching: PubSubBackendOptions["publishBatching"]): { maxMessages: number; maxMilliseconds: number } {
  const maxMessages = batching?.maxMessages ?? 1000;
  if (!Number.isSafeInteger(maxMessages) || maxMessages < 1 || maxMessages > 1000) {
    throw new ConfigurationError({ field: "publishBatching.maxMessages", message: `must be an integer from 1 to 1000 (Pub/Sub takes at most 1000 messages a request), got ${JSON.stringify(maxMessages)}` });
  }
  const maxMilliseconds = batching?.maxMilliseconds ?? 0;
  if (!Number.isFinite(maxMilliseconds) || maxMilliseconds < 0) {
    throw new ConfigurationError({ field: "publishBatching.maxMilliseconds", message: `must be a number of milliseconds, 0 or more, got ${JSON.stringify(maxMilliseconds)}` });
  }
  return { maxMessages, maxMilliseconds };
}

import type { PubSub, Topic } from "@google-cloud/pubsub";
import { ConfigurationError } from "@hopper/core";

// The worker's default lease, so a default worker's pulls need no deadline change.
const subscriptionAckDeadlineSeconds = 30;
/**
 * A subscription Pub/Sub never deletes. Without an expiration policy it is deleted after 31 days with no reader,
 * its backlog with it, and later publishes reach nobody: a queue whose workers were away, or `<queue>-dead`, which
 * only `deadLetters()` reads.
 */
const neverExpires = {};

export interface QueueResources {
  readonly topic: Topic;
  /** Full subscription path, projects/…/subscriptions/…, for the v1 subscriber client. */
  readonly subscriptionPath: string;
  /** The subscription's own ack deadline: a pull whose lease matches it needs no modifyAckDeadline. */
  readonly ackDeadlineSeconds: number | undefined;
}

export interface PubSubQueuesOptions {
  readonly pubsub: PubSub;
  readonly topicPrefix: string;
  readonly createTopics: boolean;
  readonly messageOrdering: boolean;
  readonly deadLetter: { readonly maxDeliveryAttempts: number } | undefined;
  readonly publishBatching: { readonly maxMessages: number; readonly maxMilliseconds: number };
}

const grpcAlreadyExists = 6;

/**
 * One topic and one subscription (same id) per Hopper queue. The subscription
 * must exist before the first publish, or Pub/Sub drops the message: both are
 * created together, once per process, and cached.
 */
export class PubSubQueues {
  private readonly resolved = new Map<string, Promise<QueueResources>>();

  constructor(private readonly options: PubSubQueuesOptions) {}

  resourceId(queue: string): string {
    return `${this.options.topicPrefix}${queue}`;
  }

  /** The queue's topic and subscription when they were looked up or are being, without asking Pub/Sub. */
  known(queue: string): Promise<QueueResources> | undefined {
    return this.resolved.get(queue);
  }

  get(queue: string): Promise<QueueResources> {
    let resources = this.resolved.get(queue);
    if (!resources) {
      resources = this.resolve(queue);
      this.resolved.set(queue, resources);
      // A failed creation is retried by the next call rather than cached.
      resources.catch(() => this.resolved.delete(queue));
    }
    return resources;
  }

  private async resolve(queue: string): Promise<QueueResources> {
    const { pubsub, createTopics, messageOrdering, publishBatching } = this.options;
    const id = this.resourceId(queue);
    const topic = pubsub.topic(id, { messageOrdering, batching: { ...publishBatching, maxBytes: 9 * 1024 * 1024 } });
    const subscription = pubsub.subscription(id);
    if (createTopics) {
      await ignoreAlreadyExists(() => pubsub.createTopic(id));
      if (this.options.deadLetter) {
        // A topic keeps messages only for its subscriptions: without one, what Pub/Sub forwards there is dropped.
        const undeliverable = this.deadLetterTopicId(queue);
        await ignoreAlreadyExists(() => pubsub.createTopic(undeliverable));
        await ignoreAlreadyExists(() => pubsub.topic(undeliverable).createSubscription(undeliverable, { expirationPolicy: neverExpires }));
      }
      const created = await ignoreAlreadyExists(() =>
        topic.createSubscription(id, {
          expirationPolicy: neverExpires,
          ackDeadlineSeconds: subscriptionAckDeadlineSeconds,
          enableMessageOrdering: messageOrdering,
          ...(this.options.deadLetter && {
            deadLetterPolicy: { deadLetterTopic: pubsub.topic(this.deadLetterTopicId(queue)).name, maxDeliveryAttempts: this.options.deadLetter.maxDeliveryAttempts },
          }),
        }),
      );
      if (created) return { topic, subscriptionPath: subscription.name, ackDeadlineSeconds: subscriptionAckDeadlineSeconds };
    } else {
      const [exists] = await subscription.exists();
      if (!exists) {
        throw new ConfigurationError({
          field: "createTopics",
          message: `subscription ${subscription.name} does not exist: create topic and subscription "${id}" (e.g. gcloud pubsub topics create ${id} && gcloud pubsub subscriptions create ${id} --topic=${id}), or allow createTopics`,
        });
      }
    }
    const [metadata] = await subscription.getMetadata();
    return { topic, subscriptionPath: subscription.name, ackDeadlineSeconds: metadata.ackDeadlineSeconds ?? undefined };
  }

  /** Where Pub/Sub forwards messages past the dead-letter policy's attempts; raw envelopes, apart from Hopper's own `<queue>-dead`. */
  deadLetterTopicId(queue: string): string {
    return `${this.resourceId(queue)}-undeliverable`;
  }
}

/** True when this call created the resource, false when it already existed. */
async function ignoreAlreadyExists(create: () => Promise<unknown>): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (error) {
    if ((error as { code?: number }).code !== grpcAlreadyExists) throw error;
    return false;
  }
}

import { PubSub, type Message, type Subscription, type Topic } from "@google-cloud/pubsub";
import { createLimiter, decodeJob, encodeJob, type BenchSubject } from "./bench-subject.js";

/**
 * Publisher batching as Google's batch-messaging docs describe for throughput: up to 1,000 messages per publish
 * request (the service's maximum), with the wait Hopper's publisher has, 0 ms: the messages published in one turn of
 * the event loop still go as one request. (It waited 5 ms until 2026-12-07: every single publish waited out the
 * timer, ~8 ms a call at 10 in flight, a handicap the fairness review found behind a 2.6× single-enqueue ratio.)
 */
const publishBatching = { maxMessages: 1000, maxMilliseconds: 0 };
/**
 * Subscriber flow control: the client library's default, which Google's
 * flow-control docs start from: at most 1,000 messages leased and unacked.
 * Handlers are capped at c separately, so an ack in flight never holds a
 * handler slot.
 */
const flowControlMaxMessages = 1000;

/**
 * The least Pub/Sub needs: publishMessage through a batching publisher; a
 * streaming-pull subscriber with the client's flow control, running at most c
 * handlers at once and acking each message after its job ran (the client
 * batches acks in the background while the next messages run).
 */
export async function createPubSubRawSubject(connection: string): Promise<BenchSubject> {
  const projectId = decodeURIComponent(new URL(connection).hostname);
  const pubsub = new PubSub({ projectId });
  const topics = new Map<string, Topic>();
  const subscriptions = new Map<string, Subscription>();
  const topicOf = (queue: string) => {
    const topic = topics.get(queue);
    if (!topic) throw new Error(`queue ${queue} was not prepared`);
    return topic;
  };

  return {
    maxPayloadBytes: 10 * 1024 * 1024 - 1024,
    supportsDelay: false,
    async prepare(queue) {
      const [topic] = await pubsub.createTopic(`raw-${queue}`);
      const [subscription] = await topic.createSubscription(`raw-${queue}`, { ackDeadlineSeconds: 30 });
      topic.setPublishOptions({ batching: publishBatching });
      topics.set(queue, topic);
      subscriptions.set(queue, subscription);
    },
    async enqueueOne(queue, job) {
      await topicOf(queue).publishMessage({ data: Buffer.from(encodeJob(job)) });
    },
    async enqueueMany(queue, jobs) {
      const topic = topicOf(queue);
      await Promise.all(jobs.map((job) => topic.publishMessage({ data: Buffer.from(encodeJob(job)) })));
    },
    async consume(queue, concurrency, handler) {
      // A scale-out worker consumes a subscription another process created.
      const subscription = pubsub.subscription(`raw-${queue}`, { flowControl: { maxMessages: Math.max(concurrency, flowControlMaxMessages), allowExcessMessages: false } });
      const limit = createLimiter(concurrency);
      const running = new Set<Promise<void>>();
      let stopping = false;
      const onMessage = (message: Message) => {
        const settled: Promise<void> = limit(async () => {
          // Messages flow control let in but no handler started go back at once on stop.
          if (stopping) return message.nack();
          await handler(decodeJob(message.data.toString()));
          message.ack();
        })
          .catch(() => message.nack())
          .finally(() => running.delete(settled));
        running.add(settled);
      };
      subscription.on("message", onMessage);
      subscription.on("error", () => {});
      return {
        async stop() {
          stopping = true;
          subscription.off("message", onMessage);
          await Promise.allSettled([...running]);
          await subscription.close();
        },
      };
    },
    shape: (concurrency) => ({
      concurrency,
      prefetch: Math.max(concurrency, flowControlMaxMessages),
      ackOverlapsReceive: true,
      settings: { flowControlMaxMessages: Math.max(concurrency, flowControlMaxMessages), publishMaxMessages: publishBatching.maxMessages, publishMaxMilliseconds: publishBatching.maxMilliseconds },
    }),
    async close() {
      await Promise.all([...subscriptions.values()].map((subscription) => subscription.delete().catch(() => {})));
      await Promise.all([...topics.values()].map((topic) => topic.delete().catch(() => {})));
      await pubsub.close();
    },
  };
}

import { PubSub, type Message, type Subscription, type Topic } from "@google-cloud/pubsub";
import { decodeJob, encodeJob, type BenchSubject } from "./bench-subject.js";

/**
 * The least Pub/Sub needs: publishMessage (the client batches); a
 * streaming-pull subscriber with flow control at the concurrency, acking
 * each message after its job ran. Acks are flushed within 5 ms rather than the
 * client's default 100 ms: flow control frees a slot only once the ack is sent,
 * so the default caps one slot at ~10 jobs/s.
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
      if (!subscriptions.has(queue)) throw new Error(`queue ${queue} was not prepared`);
      const subscription = pubsub.subscription(`raw-${queue}`, { flowControl: { maxMessages: concurrency, allowExcessMessages: false }, batching: { maxMilliseconds: 5 } });
      const running = new Set<Promise<void>>();
      const onMessage = (message: Message) => {
        const settled: Promise<void> = Promise.resolve(handler(decodeJob(message.data.toString())))
          .then(() => message.ack())
          .catch(() => message.nack())
          .finally(() => running.delete(settled));
        running.add(settled);
      };
      subscription.on("message", onMessage);
      subscription.on("error", () => {});
      return {
        async stop() {
          subscription.off("message", onMessage);
          await Promise.allSettled([...running]);
          await subscription.close();
        },
      };
    },
    async close() {
      await Promise.all([...subscriptions.values()].map((subscription) => subscription.delete().catch(() => {})));
      await Promise.all([...topics.values()].map((topic) => topic.delete().catch(() => {})));
      await pubsub.close();
    },
  };
}

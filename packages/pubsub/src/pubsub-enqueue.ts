import type { EnqueueResult, OutgoingMessage } from "@hopper/core/backend";
import type { PubSubQueues } from "./pubsub-queues.js";
import { idAttributesFor } from "./pubsub-job-id.js";

/**
 * Publishes through each topic's batching publisher, all messages at once, so
 * the client packs them into few requests. Resolves when every message is
 * published (or failed), one result per message in input order.
 */
export async function publishMessages(queues: PubSubQueues, messages: readonly OutgoingMessage[]): Promise<EnqueueResult[]> {
  return Promise.all(
    messages.map(async (message): Promise<EnqueueResult> => {
      try {
        const { topic } = await queues.get(message.queue);
        try {
          const attributes = idAttributesFor(message.body, message.id);
          await topic.publishMessage({
            data: Buffer.from(message.body, "utf8"),
            ...(attributes !== undefined && { attributes }),
            ...(message.orderingKey !== undefined && { orderingKey: message.orderingKey }),
          });
        } catch (error) {
          // After a failure the client pauses the key so later messages cannot overtake; the caller sees this failure, later enqueues go on.
          if (message.orderingKey !== undefined) topic.resumePublishing(message.orderingKey);
          throw error;
        }
        return { status: "enqueued", id: message.id };
      } catch (error) {
        return { status: "failed", id: message.id, error: error instanceof Error ? error : new Error(String(error)) };
      }
    }),
  );
}

import { ChangeMessageVisibilityCommand, CreateQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import type { ReceivedMessage } from "@hopper/core/backend";
import { jobIdAttribute, maxJobIdBytes } from "./sqs-message-attributes.js";
import { createTestBackend, emulatorSides, sqsEndpoint, testQueuePrefix } from "./test-sqs-service.js";

function unique(label: string): string {
  return `${label}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

// SQS counts message attributes against a message's size. What the backend keeps back from the body must cover
// every attribute it may add later: the job id of a body that is no envelope, and an uncounted hand-back's earlier
// deliveries on top of it. A queue at SQS's smallest MaximumMessageSize (1 KiB) puts a body at the limit cheaply.
describe.skipIf(!sqsEndpoint)("sqs attribute reserve", () => {
  const sides = emulatorSides(sqsEndpoint!);

  async function smallQueue(fifo: boolean): Promise<{ queue: string; queueUrl: string }> {
    const queue = unique("reserve");
    const name = `${testQueuePrefix}${queue}${fifo ? ".fifo" : ""}`;
    const attributes: Record<string, string> = { MaximumMessageSize: "1024", ...(fifo && { FifoQueue: "true" }) };
    const { QueueUrl } = await sides.client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return { queue, queueUrl: QueueUrl! };
  }

  /** The largest body the backend takes on that queue, found by enqueueing (so the test follows the reserve, whatever it is). */
  async function largestBody(backend: typeof sides.backend, queue: string, id: string): Promise<string> {
    for (let size = 1024; size > 0; size--) {
      const [result] = await backend.enqueue([{ id, queue, body: "x".repeat(size) }]);
      if (result!.status === "enqueued") return "x".repeat(size);
      expect(result!.status).toBe("failed");
    }
    throw new Error("no body fitted");
  }

  for (const fifo of [false, true]) {
    it(`${fifo ? "FIFO" : "standard"}: a raw body at the limit with the longest job id is handed back uncounted (its copy fits)`, async () => {
      const backend = fifo ? createTestBackend(sqsEndpoint!, { fifo: true }) : sides.backend;
      try {
        const { queue, queueUrl } = await smallQueue(fifo);
        const id = "i".repeat(maxJobIdBytes);
        const body = await largestBody(backend, queue, id);

        let received: ReceivedMessage[] = [];
        for (let round = 0; round < 5 && received.length === 0; round++) received = await backend.receive({ queue, maxMessages: 1, waitMs: 2000, leaseMs: 30_000 });
        expect(received.map((message) => [message.id, message.body.length, message.deliveryAttempt])).toEqual([[id, body.length, 1]]);
        await received[0]!.nack({ countAttempt: false });

        // An uncounted hand-back is a copy with the earlier deliveries; had SQS refused the copy, the original would be back counted (receive count 2, no attribute).
        const { Messages = [] } = await sides.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] }));
        expect(Messages.map((copy) => [copy.Attributes?.ApproximateReceiveCount, copy.MessageAttributes?.HopperEarlierDeliveries?.StringValue, copy.MessageAttributes?.[jobIdAttribute]?.StringValue, copy.Body?.length])).toEqual([["1", "0", id, body.length]]);
        await sides.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: Messages[0]!.ReceiptHandle!, VisibilityTimeout: 0 }));
      } finally {
        if (fifo) await backend.close();
      }
    });
  }

  it("refuses a job id over the bound at enqueue, naming the bound", async () => {
    const { queue } = await smallQueue(false);
    const [result] = await sides.backend.enqueue([{ id: "i".repeat(maxJobIdBytes + 1), queue, body: "{}" }]);
    expect(result!.status).toBe("failed");
    expect(String((result as { error?: Error }).error?.message)).toContain(`over ${maxJobIdBytes} bytes`);
  });
});

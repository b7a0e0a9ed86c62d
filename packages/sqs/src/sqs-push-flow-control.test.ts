import { GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigurationError, createConsoleLogger, createHopper, createMemoryCoordinationStore, Job, type JobContext } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { createSqsLambdaHandler } from "./sqs-lambda-handler.js";
import { createSqsdHandler } from "./sqs-sqsd-handler.js";
import { createTestBackend, createTestClient, sqsEndpoint, testQueuePrefix } from "./test-sqs-service.js";

function unique(label: string): string {
  return `${label}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

describe("createSqsLambdaHandler needs ReportBatchItemFailures declared", () => {
  const hopper = { runMessage: async () => ({ status: "done" as const }) };
  it.each([undefined, false, "yes"])("refuses reportBatchItemFailures: %j, naming the setting", (value) => {
    let error: unknown;
    try {
      createSqsLambdaHandler({ hopper, queue: "mailers", ...(value !== undefined && { reportBatchItemFailures: value }) } as never);
    } catch (caught) {
      error = caught;
    }
    expect(ConfigurationError.isInstance(error) && error.field).toBe("reportBatchItemFailures");
    expect(String((error as Error).message)).toContain("ReportBatchItemFailures");
  });
  it("runs once it is declared", () => {
    expect(typeof createSqsLambdaHandler({ hopper, queue: "mailers", reportBatchItemFailures: true })).toBe("function");
  });
});

describe.skipIf(!sqsEndpoint)("push handlers hold rate-limited jobs without spending SQS receives", () => {
  const endpoint = sqsEndpoint!;
  let client: SQSClient;
  let backend: Backend;
  beforeAll(() => {
    client = createTestClient(endpoint);
    backend = createTestBackend(endpoint);
  });
  afterAll(async () => {
    await backend.close();
    client.destroy();
  });

  async function receiveAll(queue: string, count: number) {
    const QueueUrl = (await client.send(new GetQueueUrlCommand({ QueueName: `${testQueuePrefix}${queue}` }))).QueueUrl!;
    const messages = [];
    for (let round = 0; round < 10 && messages.length < count; round++) {
      const received = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, VisibilityTimeout: 30, MessageSystemAttributeNames: ["All"] }));
      messages.push(...(received.Messages ?? []));
    }
    return { QueueUrl, messages };
  }

  async function delayedCount(QueueUrl: string): Promise<number> {
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["ApproximateNumberOfMessagesDelayed"] }));
    return Number(Attributes?.ApproximateNumberOfMessagesDelayed);
  }

  function limitedJob(queue: string) {
    const runs: number[] = [];
    class Limited extends Job<Record<string, never>> {
      static override queue = queue;
      static override rateLimit = { limit: 1, per: "1h" };
      async perform(_args: Record<string, never>, context: JobContext) {
        runs.push(context.attempt);
      }
    }
    const hopper = createHopper({ backend, jobs: [Limited], coordination: createMemoryCoordinationStore(), logger: createConsoleLogger("silent") });
    return { Limited, hopper, runs };
  }

  it("sqsd: answers 200 for a held job (sqsd deletes it) and leaves a delayed copy", async () => {
    const queue = unique("sqsdrate");
    const { Limited, hopper, runs } = limitedJob(queue);
    const handler = createSqsdHandler({ hopper, queue, insecureNoAuth: true, logger: createConsoleLogger("silent") });
    await Limited.performAllLater([{}, {}, {}]);
    const { QueueUrl, messages } = await receiveAll(queue, 3);
    expect(messages).toHaveLength(3);
    const statuses = [];
    for (const message of messages) {
      const response = await handler(
        new Request("http://localhost/", {
          method: "POST",
          headers: { "content-type": "application/json", "x-aws-sqsd-msgid": message.MessageId!, "x-aws-sqsd-receive-count": message.Attributes!.ApproximateReceiveCount!, "x-aws-sqsd-queue": `${testQueuePrefix}${queue}` },
          body: message.Body!,
        }),
      );
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200]);
    expect(runs).toEqual([1]);
    expect(await delayedCount(QueueUrl)).toBe(2);

  });

  it("lambda: reports no batch item failure for held jobs, and leaves delayed copies", async () => {
    const queue = unique("lambdarate");
    const { Limited, hopper, runs } = limitedJob(queue);
    const handler = createSqsLambdaHandler({ hopper, queue, queuePrefix: testQueuePrefix, reportBatchItemFailures: true });
    await Limited.performAllLater([{}, {}, {}]);
    const { QueueUrl, messages } = await receiveAll(queue, 3);
    const result = await handler({
      Records: messages.map((message) => ({
        messageId: message.MessageId!,
        body: message.Body!,
        attributes: { ApproximateReceiveCount: message.Attributes!.ApproximateReceiveCount! },
        eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${testQueuePrefix}${queue}`,
      })),
    });
    expect(result.batchItemFailures).toEqual([]);
    expect(runs).toEqual([1]);
    expect(await delayedCount(QueueUrl)).toBe(2);

  });

  /** A job on a queue paused through `hopper.queues`, the coordination store shared by the test's hopper (as processes would share Redis). */
  function pausableJob(queue: string) {
    const runs: number[] = [];
    class Pausable extends Job<Record<string, never>> {
      static override queue = queue;
      async perform(_args: Record<string, never>, context: JobContext) {
        runs.push(context.attempt);
      }
    }
    const hopper = createHopper({ backend, jobs: [Pausable], coordination: createMemoryCoordinationStore(), logger: createConsoleLogger("silent"), pausedPushHold: "2s" });
    return { Pausable, hopper, runs };
  }

  function sqsdRequest(queue: string, message: Message): Request {
    return new Request("http://localhost/", {
      method: "POST",
      headers: { "content-type": "application/json", "x-aws-sqsd-msgid": message.MessageId!, "x-aws-sqsd-receive-count": message.Attributes!.ApproximateReceiveCount!, "x-aws-sqsd-queue": `${testQueuePrefix}${queue}` },
      body: message.Body!,
    });
  }

  function lambdaEvent(queue: string, messages: readonly Message[]) {
    return {
      Records: messages.map((message) => ({
        messageId: message.MessageId!,
        body: message.Body!,
        attributes: { ApproximateReceiveCount: message.Attributes!.ApproximateReceiveCount! },
        eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${testQueuePrefix}${queue}`,
      })),
    };
  }

  it("sqsd: a paused queue's job does not run: answered 200 with a delayed copy, run after resume on its first attempt", async () => {
    const queue = unique("sqsdpause");
    const { Pausable, hopper, runs } = pausableJob(queue);
    const handler = createSqsdHandler({ hopper, queue, insecureNoAuth: true, logger: createConsoleLogger("silent") });
    await hopper.queues.pause(queue);
    await Pausable.performAllLater([{}, {}]);
    const { QueueUrl, messages } = await receiveAll(queue, 2);
    expect(messages).toHaveLength(2);
    const statuses = [];
    for (const message of messages) statuses.push((await handler(sqsdRequest(queue, message))).status);
    expect(statuses).toEqual([200, 200]);
    expect(runs).toEqual([]);
    expect(await delayedCount(QueueUrl)).toBe(2);

    await hopper.queues.resume(queue);
    const copies = await receiveAll(queue, 2);
    expect(copies.messages).toHaveLength(2);
    // New messages: the hold spent none of the redrive policy's receives.
    expect(copies.messages.map((message) => message.Attributes!.ApproximateReceiveCount)).toEqual(["1", "1"]);
    for (const message of copies.messages) expect((await handler(sqsdRequest(queue, message))).status).toBe(200);
    expect(runs).toEqual([1, 1]);
  });

  it("lambda: a paused queue's jobs are not batch item failures: delayed copies, run after resume on their first attempt", async () => {
    const queue = unique("lambdapause");
    const { Pausable, hopper, runs } = pausableJob(queue);
    const handler = createSqsLambdaHandler({ hopper, queue, queuePrefix: testQueuePrefix, reportBatchItemFailures: true });
    await hopper.queues.pause(queue);
    await Pausable.performAllLater([{}, {}]);
    const { QueueUrl, messages } = await receiveAll(queue, 2);
    expect(messages).toHaveLength(2);
    expect((await handler(lambdaEvent(queue, messages))).batchItemFailures).toEqual([]);
    expect(runs).toEqual([]);
    expect(await delayedCount(QueueUrl)).toBe(2);

    await hopper.queues.resume(queue);
    const copies = await receiveAll(queue, 2);
    expect(copies.messages.map((message) => message.Attributes!.ApproximateReceiveCount)).toEqual(["1", "1"]);
    expect((await handler(lambdaEvent(queue, copies.messages))).batchItemFailures).toEqual([]);
    expect(runs).toEqual([1, 1]);
  });
});

import { randomBytes } from "node:crypto";
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createConsoleLogger, createHopper, Job } from "@hopper/core";
import { requireService } from "@hopper/services";
import { createSqsBackend, createSqsLambdaHandler } from "@hopper/sqs";
import { SpanKind } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";
import { openTelemetryMiddleware } from "./telemetry-middleware.js";
import { startTestSdk } from "./test-telemetry-sdk.js";

const sqsEndpoint = requireService("sqs")?.HOPPER_TEST_SQS_ENDPOINT;

describe.skipIf(!sqsEndpoint)("a push handler continues the enqueuer's trace", () => {
  const sdk = startTestSdk();
  afterAll(() => sdk.shutdown());

  it("a job run by the SQS Lambda handler gets a perform span whose parent is the enqueue span", async () => {
    const queuePrefix = `otel${randomBytes(3).toString("hex")}-`;
    const queue = "pushed";
    class Pushed extends Job<{ n: number }> {
      static override jobName = "Pushed";
      static override queue = queue;
      async perform() {}
    }
    const client = new SQSClient({ endpoint: sqsEndpoint, region: process.env.AWS_REGION ?? "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    const hopper = createHopper({
      backend: createSqsBackend({ client, queuePrefix, createQueues: true }),
      jobs: [Pushed],
      logger: createConsoleLogger("silent"),
      middleware: [openTelemetryMiddleware({ tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider, propagator: sdk.propagator })],
    });
    const id = await sdk.tracerProvider.getTracer("test").startActiveSpan("request", async (span) => {
      try {
        return await Pushed.performLater({ n: 1 });
      } finally {
        span.end();
      }
    });
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: `${queuePrefix}${queue}` }));
    const received = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 2, MessageAttributeNames: ["All"] }));
    const message = received.Messages![0]!;
    const handler = createSqsLambdaHandler({ hopper, queue, queuePrefix, reportBatchItemFailures: true });
    const result = await handler({ Records: [{ messageId: message.MessageId!, body: message.Body!, attributes: { ApproximateReceiveCount: "1" }, eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queuePrefix}${queue}` }] });
    await hopper.close();
    client.destroy();

    expect(result.batchItemFailures).toEqual([]);
    const send = sdk.spans().find((span) => span.kind === SpanKind.PRODUCER)!;
    const perform = sdk.spans().find((span) => span.kind === SpanKind.CONSUMER)!;
    expect(send.attributes).toMatchObject({ "messaging.system": "aws_sqs", "messaging.message.id": id });
    expect(perform).toMatchObject({ traceId: send.traceId, parentSpanId: send.spanId });
    expect(perform.attributes).toMatchObject({ "messaging.system": "aws_sqs", "messaging.destination.name": queue, "messaging.message.id": id, "hopper.job.attempt": 1 });
  });
});

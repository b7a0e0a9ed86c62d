import { randomBytes } from "node:crypto";
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createConsoleLogger, createHopper, Job } from "@hopper/core";
import { requireService } from "@hopper/services";
import { createSqsBackend, createSqsdHandler, createSqsLambdaHandler } from "@hopper/sqs";
import { SpanKind } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";
import { openTelemetryMiddleware } from "./telemetry-middleware.js";
import { startTestSdk } from "./test-telemetry-sdk.js";

const sqsEndpoint = requireService("sqs")?.HOPPER_TEST_SQS_ENDPOINT;

describe.skipIf(!sqsEndpoint)("a push handler continues the enqueuer's trace", () => {
  const sdk = startTestSdk();
  afterAll(() => sdk.shutdown());

  /** A Hopper on a fresh SQS queue prefix with the middleware; one job enqueued inside a "request" span, then received raw, as a platform would. */
  async function enqueueOnSqs(queue: string) {
    const queuePrefix = `otel${randomBytes(3).toString("hex")}-`;
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
    const close = async () => {
      await hopper.close();
      client.destroy();
    };
    return { hopper, queuePrefix, id, message: received.Messages![0]!, close };
  }

  it("a job run by the SQS Lambda handler gets a perform span whose parent is the enqueue span", async () => {
    const queue = "pushed";
    const { hopper, queuePrefix, id, message, close } = await enqueueOnSqs(queue);
    const handler = createSqsLambdaHandler({ hopper, queue, queuePrefix, reportBatchItemFailures: true });
    const result = await handler({ Records: [{ messageId: message.MessageId!, body: message.Body!, attributes: { ApproximateReceiveCount: "1" }, eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queuePrefix}${queue}` }] });
    await close();

    expect(result.batchItemFailures).toEqual([]);
    const send = sdk.spans().find((span) => span.kind === SpanKind.PRODUCER && span.attributes["messaging.message.id"] === id)!;
    const perform = sdk.spans().find((span) => span.kind === SpanKind.CONSUMER && span.attributes["messaging.message.id"] === id)!;
    // The destination is the SQS queue's own name (the prefix included), on both sides, and in the span names.
    expect(send.attributes).toMatchObject({ "messaging.system": "aws_sqs", "messaging.destination.name": `${queuePrefix}${queue}`, "messaging.message.id": id });
    expect(perform).toMatchObject({ traceId: send.traceId, parentSpanId: send.spanId });
    expect(perform.attributes).toMatchObject({ "messaging.system": "aws_sqs", "messaging.destination.name": `${queuePrefix}${queue}`, "hopper.queue.name": queue, "messaging.message.id": id, "hopper.job.attempt": 1 });
    expect([send.name, perform.name]).toEqual([`send ${queuePrefix}${queue}`, `process ${queuePrefix}${queue}`]);
  });

  it("a job run by the sqsd handler (Elastic Beanstalk worker tier) inside the server's HTTP span: parent the enqueue span, links to it and to the HTTP span", async () => {
    const queue = "sqsd";
    const { hopper, queuePrefix, id, message, close } = await enqueueOnSqs(queue);
    const urlToken = "otel-sqsd-token-0123456789abcdef";
    const handler = createSqsdHandler({ hopper, queue, urlToken });
    const headers = { "content-type": "application/json", "user-agent": "aws-sqsd/3.0.4", "x-aws-sqsd-msgid": message.MessageId!, "x-aws-sqsd-queue": `${queuePrefix}${queue}`, "x-aws-sqsd-receive-count": "1" };
    // An instrumented HTTP server would have its server span active around the handler.
    const status = await sdk.tracerProvider.getTracer("test").startActiveSpan("POST /sqsd", async (span) => {
      try {
        return (await handler(new Request(`http://127.0.0.1/sqsd/${urlToken}`, { method: "POST", headers, body: message.Body! }))).status;
      } finally {
        span.end();
      }
    });
    await close();

    expect(status).toBe(200);
    const send = sdk.spans().find((span) => span.kind === SpanKind.PRODUCER && span.attributes["messaging.message.id"] === id)!;
    const http = sdk.spans().find((span) => span.name === "POST /sqsd")!;
    const perform = sdk.spans().find((span) => span.kind === SpanKind.CONSUMER && span.attributes["messaging.message.id"] === id)!;
    expect(perform).toMatchObject({ traceId: send.traceId, parentSpanId: send.spanId, links: [{ traceId: send.traceId, spanId: send.spanId }, { traceId: http.traceId, spanId: http.spanId }] });
    expect(perform.attributes).toMatchObject({ "messaging.system": "aws_sqs", "messaging.destination.name": `${queuePrefix}${queue}`, "hopper.job.attempt": 1 });
  });
});

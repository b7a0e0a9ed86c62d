import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper, Job, type JobContext } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { createSqsdHandler, createSqsdNodeHandler } from "./sqs-sqsd-handler.js";
import { createSqsLambdaHandler, type SqsEvent } from "./sqs-lambda-handler.js";
import { jobIdAttribute } from "./sqs-message-attributes.js";
import { createTestBackend, createTestClient, sqsEndpoint, testQueuePrefix } from "./test-sqs-service.js";

type NodeHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** A loopback HTTP server around `handler`; resolves with its base URL. */
async function serve(handler: NodeHandler): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => void handler(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function unique(label: string): string {
  return `${label}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

describe.skipIf(!sqsEndpoint)("push handlers on the SQS emulator", () => {
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

  async function queueUrlOf(queue: string): Promise<string> {
    return (await client.send(new GetQueueUrlCommand({ QueueName: `${testQueuePrefix}${queue}` }))).QueueUrl!;
  }

  /** Plays sqsd: one ReceiveMessage, a POST per message with sqsd's headers, a delete on 200. */
  async function sqsdRound(url: string, queue: string, extraHeaders: Record<string, string> = {}): Promise<{ message: Message; status: number }[]> {
    const queueUrl = await queueUrlOf(queue);
    const received = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, VisibilityTimeout: 1, MessageSystemAttributeNames: ["All"], MessageAttributeNames: ["All"] }),
    );
    const rounds = [];
    for (const message of received.Messages ?? []) {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "aws-sqsd/3.0.4",
          "x-aws-sqsd-msgid": message.MessageId!,
          "x-aws-sqsd-queue": `${testQueuePrefix}${queue}`,
          "x-aws-sqsd-receive-count": message.Attributes!.ApproximateReceiveCount!,
          "x-aws-sqsd-first-received-at": new Date(Number(message.Attributes!.ApproximateFirstReceiveTimestamp)).toISOString(),
          "x-aws-sqsd-sender-id": "000000000000",
          ...extraHeaders,
        },
        body: message.Body,
      });
      if (response.status === 200) await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      rounds.push({ message, status: response.status });
    }
    return rounds;
  }

  function jobsFor(queue: string) {
    const runs: { args: { fail: boolean }; attempt: number }[] = [];
    class Work extends Job<{ fail: boolean }> {
      static override queue = queue;
      static override retry = { attempts: 2, wait: 10, jitter: 0 };
      async perform(args: { fail: boolean }, context: JobContext) {
        runs.push({ args, attempt: context.attempt });
        if (args.fail) throw new Error(`failed attempt ${context.attempt}`);
      }
    }
    const hopper = createHopper({ backend, jobs: [Work], logger: createConsoleLogger("silent") });
    return { Work, hopper, runs };
  }

  it("sqsd: answers 200 for a job that ran, non-2xx for a failure; sqsd's redelivery then dead-letters it", async () => {
    const queue = unique("sqsd");
    const { Work, hopper, runs } = jobsFor(queue);
    const server = await serve(createSqsdNodeHandler({ hopper, queue }));
    try {
      const okId = await hopper.enqueue(Work, { fail: false });
      const failId = await hopper.enqueue(Work, { fail: true });
      const first = await sqsdRound(server.url, queue);
      const statusOf = (rounds: typeof first, id: string) => rounds.find((round) => round.message.MessageAttributes?.[jobIdAttribute]?.StringValue === id)?.status;
      expect(statusOf(first, okId)).toBe(200);
      expect(statusOf(first, failId)).toBe(503);
      // The failed message comes back after its visibility timeout, receive count 2: the last attempt.
      let second: Awaited<ReturnType<typeof sqsdRound>> = [];
      for (let round = 0; round < 10 && second.length === 0; round++) second = await sqsdRound(server.url, queue);
      expect(second.map((round) => [round.message.Attributes?.ApproximateReceiveCount, round.status])).toEqual([["2", 200]]);
      expect(runs).toEqual([
        { args: { fail: false }, attempt: 1 },
        { args: { fail: true }, attempt: 1 },
        { args: { fail: true }, attempt: 2 },
      ]);
      const [deadLetter] = await hopper.deadLetters(queue).take({ waitMs: 2000 });
      expect(deadLetter).toMatchObject({ id: failId, attempt: 2, error: { message: "failed attempt 2" } });
      expect(await sqsdRound(server.url, queue)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("sqsd: refuses oversized bodies, a wrong secret and requests that are not sqsd's", async () => {
    const queue = unique("sqsdguard");
    const { hopper, runs } = jobsFor(queue);
    const server = await serve(createSqsdNodeHandler({ hopper, queue, maxBodyBytes: 1024, secret: "s3cret" }));
    try {
      const headers = { "x-aws-sqsd-msgid": "m-1", "x-aws-sqsd-receive-count": "1" };
      expect((await fetch(server.url, { method: "POST", headers, body: "{}" })).status).toBe(401);
      expect((await fetch(server.url, { method: "POST", headers: { ...headers, "x-hopper-secret": "wrong!" }, body: "{}" })).status).toBe(401);
      expect((await fetch(server.url, { method: "POST", headers: { ...headers, "x-hopper-secret": "s3cret" }, body: "x".repeat(2048) })).status).toBe(413);
      expect((await fetch(server.url, { method: "POST", headers: { "x-hopper-secret": "s3cret" }, body: "{}" })).status).toBe(400);
      expect((await fetch(server.url, { method: "GET", headers: { "x-hopper-secret": "s3cret" } })).status).toBe(405);
      expect(runs).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("sqsd: a cron.yaml periodic task enqueues its mapped job; an unknown task is refused", async () => {
    const queue = unique("sqsdcron");
    const { Work, hopper, runs } = jobsFor(queue);
    // The fetch-style form, behind a loopback server that turns Node requests into Requests.
    const fetchHandler = createSqsdHandler({ hopper, queue, periodicTasks: { "nightly-report": { job: Work, args: { fail: false } } } });
    const server = await serve(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const answer = await fetchHandler(new Request(`http://127.0.0.1${request.url}`, { method: request.method, headers: request.headers as Record<string, string>, body: Buffer.concat(chunks) }));
      response.writeHead(answer.status).end(await answer.text());
    });
    try {
      const cronHeaders = { "x-aws-sqsd-taskname": "nightly-report", "x-aws-sqsd-scheduled-at": new Date().toISOString(), "x-aws-sqsd-msgid": "cron-1", "x-aws-sqsd-receive-count": "1" };
      expect((await fetch(server.url, { method: "POST", headers: cronHeaders, body: "elasticbeanstalk scheduled job" })).status).toBe(200);
      expect((await fetch(server.url, { method: "POST", headers: { ...cronHeaders, "x-aws-sqsd-taskname": "unknown" }, body: "" })).status).toBe(404);
      // The enqueued job then arrives like any other message.
      let rounds: Awaited<ReturnType<typeof sqsdRound>> = [];
      for (let round = 0; round < 5 && rounds.length === 0; round++) rounds = await sqsdRound(server.url, queue);
      expect(rounds.map((round) => round.status)).toEqual([200]);
      expect(runs).toEqual([{ args: { fail: false }, attempt: 1 }]);
    } finally {
      await server.close();
    }
  });

  it("lambda: runs each record of an SQS event and reports the failed ones in batchItemFailures", async () => {
    const queue = unique("lambda");
    const { Work, hopper, runs } = jobsFor(queue);
    const handler = createSqsLambdaHandler({ hopper, queuePrefix: testQueuePrefix });
    // Invoked over loopback HTTP the way the Lambda runtime interface emulator does.
    const server = await serve(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const result = await handler(JSON.parse(Buffer.concat(chunks).toString("utf8")) as SqsEvent);
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result));
    });
    try {
      await hopper.enqueue(Work, { fail: false });
      await hopper.enqueue(Work, { fail: true });
      const queueUrl = await queueUrlOf(queue);
      const received = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, MessageSystemAttributeNames: ["All"], MessageAttributeNames: ["All"] }));
      const messages = received.Messages ?? [];
      expect(messages).toHaveLength(2);
      const event = {
        Records: messages.map((message) => ({
          messageId: message.MessageId!,
          receiptHandle: message.ReceiptHandle!,
          body: message.Body!,
          attributes: { ApproximateReceiveCount: message.Attributes!.ApproximateReceiveCount!, SentTimestamp: message.Attributes!.SentTimestamp!, SenderId: "000000000000", ApproximateFirstReceiveTimestamp: message.Attributes!.ApproximateFirstReceiveTimestamp! },
          messageAttributes: Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, { stringValue: value.StringValue, dataType: value.DataType, stringListValues: [], binaryListValues: [] }])),
          md5OfBody: message.MD5OfBody,
          eventSource: "aws:sqs",
          eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${testQueuePrefix}${queue}`,
          awsRegion: "us-east-1",
        })),
      };
      const response = await fetch(`${server.url}/2015-03-31/functions/function/invocations`, { method: "POST", body: JSON.stringify(event) });
      const result = (await response.json()) as { batchItemFailures: { itemIdentifier: string }[] };
      const failed = messages.find((message) => message.Body!.includes('"fail":true'))!;
      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: failed.MessageId }] });
      expect(runs.map((run) => run.args.fail).sort()).toEqual([false, true]);
    } finally {
      await server.close();
    }
  });
});

import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import { slicedWalk } from "@hopper/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigurationError, createConsoleLogger, createHopper, Job, type JobContext, type Logger } from "@hopper/core";
import { envelopeIdOf, type Backend } from "@hopper/core/backend";
import { createSqsdHandler, createSqsdNodeHandler } from "./sqs-sqsd-handler.js";
import { createSqsLambdaHandler, type SqsEvent } from "./sqs-lambda-handler.js";
import { createTestBackend, createTestClient, sqsEndpoint, testQueuePrefix } from "./test-sqs-service.js";

type NodeHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** A loopback HTTP server around `handler`; resolves with its base URL. */
async function serve(handler: NodeHandler): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => void handler(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * Forwards like Elastic Beanstalk's nginx (`proxy_set_header X-Real-IP $remote_addr;
 * X-Forwarded-For $proxy_add_x_forwarded_for`), listening on every interface, to `target` on loopback.
 */
async function ebNginx(target: string): Promise<{ port: number; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = createServer((request, response) => {
    const peer = request.socket.remoteAddress!;
    const forwardedFor = request.headers["x-forwarded-for"];
    const headers = { ...request.headers, "x-real-ip": peer, "x-forwarded-for": forwardedFor ? `${forwardedFor}, ${peer}` : peer };
    const proxied = httpRequest({ host: "127.0.0.1", port: upstream.port, path: request.url, method: request.method, headers }, (answer) => {
      response.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(response);
    });
    proxied.on("error", () => response.writeHead(502).end());
    request.pipe(proxied);
  });
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** POSTs from `localAddress` (this host's external address plays an outside client). */
async function postFrom(localAddress: string, host: string, port: number, path: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const request = httpRequest({ host, port, path, method: "POST", localAddress, headers }, (response) => {
      response.resume();
      resolve(response.statusCode!);
    });
    request.on("error", reject);
    request.end(body);
  });
}

function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry && entry.family === "IPv4" && !entry.internal)?.address;
}

function recordingLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  const keep = (message: string, fields?: Record<string, unknown>) => void lines.push(fields ? `${message} ${JSON.stringify(fields)}` : message);
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

function configurationFieldOf(create: () => unknown): string | undefined {
  try {
    create();
  } catch (error) {
    if (ConfigurationError.isInstance(error)) return error.field;
    throw error;
  }
  return undefined;
}

function unique(label: string): string {
  return `${label}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** The SQS event the Lambda service would invoke the function with for these received messages. */
function lambdaEventOf(queue: string, messages: readonly Message[]): SqsEvent {
  return {
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
  } as SqsEvent;
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
      const statusOf = (rounds: typeof first, id: string) => rounds.find((round) => envelopeIdOf(round.message.Body!) === id)?.status;
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

  for (const platform of ["sqsd", "lambda"] as const) {
    it(`${platform}: an iterable job whose slice time is shorter than the job re-enqueues itself with its cursor and finishes over several deliveries`, async () => {
      const queue = unique(`${platform}slices`);
      const walk = slicedWalk(queue);
      const hopper = createHopper({ backend, jobs: [walk.job], logger: createConsoleLogger("silent") });
      const server = await serve(createSqsdNodeHandler({ hopper, queue }));
      const lambda = createSqsLambdaHandler({ hopper, queue, queuePrefix: testQueuePrefix, reportBatchItemFailures: true });
      /** One delivery round as the platform makes it; every message must be answered as done. */
      const round = async () => {
        if (platform === "sqsd") {
          for (const { status } of await sqsdRound(server.url, queue)) expect(status).toBe(200);
          return;
        }
        const queueUrl = await queueUrlOf(queue);
        const received = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, VisibilityTimeout: 1, MessageSystemAttributeNames: ["All"], MessageAttributeNames: ["All"] }));
        if (!received.Messages?.length) return;
        expect(await lambda(lambdaEventOf(queue, received.Messages))).toEqual({ batchItemFailures: [] });
        // The Lambda service deletes the records of a batch that reported no failures.
        for (const message of received.Messages) await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      };
      try {
        await walk.job.performLater({ count: walk.itemCount });
        for (let rounds = 0; walk.finished() === 0; rounds++) {
          if (rounds > walk.itemCount) throw new Error(`not finished after ${rounds} ${platform} rounds`);
          await round();
        }
        walk.expectWalkedInSlices();
        expect(await sqsdRound(server.url, queue)).toEqual([]);
      } finally {
        await server.close();
      }
    });
  }

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
    const urlToken = "cron-token-0123456789abcdef";
    const fetchHandler = createSqsdHandler({ hopper, queue, urlToken, periodicTasks: { "nightly-report": { job: Work, args: { fail: false } } } });
    const server = await serve(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const answer = await fetchHandler(new Request(`http://127.0.0.1${request.url}`, { method: request.method, headers: request.headers as Record<string, string>, body: Buffer.concat(chunks) }));
      response.writeHead(answer.status).end(await answer.text());
    });
    try {
      const cronHeaders = { "x-aws-sqsd-taskname": "nightly-report", "x-aws-sqsd-scheduled-at": new Date().toISOString(), "x-aws-sqsd-msgid": "cron-1", "x-aws-sqsd-receive-count": "1" };
      // cron.yaml: url: /sqsd/<token>
      const cronUrl = `${server.url}/sqsd/${urlToken}`;
      // A tick without the token (an outside client, or a local request that is not sqsd's) enqueues nothing.
      for (const wrong of [server.url, `${server.url}/sqsd/${urlToken}x`, `${server.url}/sqsd/${urlToken.slice(0, -1)}`, `${server.url}/sqsd?token=${urlToken}`]) {
        expect({ wrong, status: (await fetch(wrong, { method: "POST", headers: cronHeaders, body: "" })).status }).toEqual({ wrong, status: 403 });
      }
      expect((await fetch(cronUrl, { method: "POST", headers: cronHeaders, body: "elasticbeanstalk scheduled job" })).status).toBe(200);
      expect((await fetch(cronUrl, { method: "POST", headers: { ...cronHeaders, "x-aws-sqsd-taskname": "unknown" }, body: "" })).status).toBe(404);
      // The enqueued job then arrives like any other message (the worker environment's HTTP path carries the token too).
      let rounds: Awaited<ReturnType<typeof sqsdRound>> = [];
      for (let round = 0; round < 5 && rounds.length === 0; round++) rounds = await sqsdRound(cronUrl, queue);
      expect(rounds.map((round) => round.status)).toEqual([200]);
      expect(runs).toEqual([{ args: { fail: false }, attempt: 1 }]);
    } finally {
      await server.close();
    }
  });

  it("sqsd: a tick path may end in one slash after the urlToken; answers to a tick quote neither its task name nor the enqueue's error", async () => {
    const queue = unique("sqsdquiet");
    const { hopper } = jobsFor(queue);
    // Not registered with this Hopper: enqueueing it throws, with the class's name in the error.
    class UnregisteredNightlyReport extends Job<Record<string, never>> {
      static override queue = queue;
      async perform() {}
    }
    const urlToken = "quiet-token-0123456789abcdef";
    const server = await serve(createSqsdNodeHandler({ hopper, queue, urlToken, periodicTasks: { "broken-task": { job: UnregisteredNightlyReport } }, logger: recordingLogger() }));
    try {
      const tick = (taskName: string, path: string) => fetch(`${server.url}${path}`, { method: "POST", headers: { "x-aws-sqsd-taskname": taskName, "x-aws-sqsd-scheduled-at": new Date().toISOString(), "x-aws-sqsd-msgid": "tick-1", "x-aws-sqsd-receive-count": "1" }, body: "" });
      // cron.yaml may say url: /sqsd/<token>/ : the token check must not refuse it (404 = it got past the token).
      const unknownName = "probe-task-name-7f3a";
      const unknown = await tick(unknownName, `/sqsd/${urlToken}/`);
      expect(unknown.status).toBe(404);
      expect(await unknown.text()).not.toContain(unknownName);
      // The enqueue's error goes to the log, never to whoever posted the tick.
      const broken = await tick("broken-task", `/sqsd/${urlToken}`);
      expect(broken.status).toBe(503);
      const text = await broken.text();
      expect(text).not.toContain("broken-task");
      expect(text).not.toContain("UnregisteredNightlyReport");
    } finally {
      await server.close();
    }
  });

  it("sqsd: fails closed at creation: periodic tasks and the fetch form need urlToken; weak or contradictory choices are refused", () => {
    const queue = unique("sqsdconfig");
    const { Work, hopper } = jobsFor(queue);
    const periodicTasks = { nightly: { job: Work } };
    const token = "0123456789abcdef0123";
    const logger = recordingLogger();
    const cases: [string, () => unknown, string][] = [
      ["periodic tasks without urlToken", () => createSqsdNodeHandler({ hopper, queue, periodicTasks }), "urlToken"],
      ["the fetch form without urlToken", () => createSqsdHandler({ hopper, queue }), "urlToken"],
      ["a short urlToken", () => createSqsdNodeHandler({ hopper, queue, urlToken: "short" }), "urlToken"],
      // `urlToken: process.env.SQSD_URL_TOKEN` with the variable unset: it ran with no token and let any local request in.
      ["a urlToken key with no value", () => createSqsdNodeHandler({ hopper, queue, urlToken: undefined }), "urlToken"],
      ["a urlToken with characters a path cannot carry as is", () => createSqsdNodeHandler({ hopper, queue, urlToken: "0123456789abcdef/?x" }), "urlToken"],
      ["insecureNoAuth with a urlToken", () => createSqsdNodeHandler({ hopper, queue, urlToken: token, insecureNoAuth: true }), "insecureNoAuth"],
      ["insecureNoAuth other than true", () => createSqsdNodeHandler({ hopper, queue, insecureNoAuth: "yes" as unknown as true }), "insecureNoAuth"],
      ["the removed loopbackOnly option", () => createSqsdNodeHandler({ hopper, queue, loopbackOnly: false } as Parameters<typeof createSqsdNodeHandler>[0]), "loopbackOnly"],
      ["a localAddresses entry that is not an IP address", () => createSqsdNodeHandler({ hopper, queue, localAddresses: ["docker-host"] }), "localAddresses"],
      ["maxConcurrent of 0", () => createSqsdNodeHandler({ hopper, queue, maxConcurrent: 0 }), "maxConcurrent"],
    ];
    for (const [name, create, field] of cases) expect({ name, field: configurationFieldOf(create) }).toEqual({ name, field });
    // Valid: the default local-daemon check, with or without a token; the insecure opt-out, said loudly.
    expect(configurationFieldOf(() => createSqsdNodeHandler({ hopper, queue, logger }))).toBeUndefined();
    expect(configurationFieldOf(() => createSqsdHandler({ hopper, queue, urlToken: token, periodicTasks, logger }))).toBeUndefined();
    expect(logger.lines).toEqual([]);
    expect(configurationFieldOf(() => createSqsdNodeHandler({ hopper, queue, insecureNoAuth: true, logger }))).toBeUndefined();
    expect(logger.lines.filter((line) => /insecureNoAuth/.test(line) && /anyone/.test(line))).toHaveLength(1);
  });

  it("sqsd: by default only the local daemon gets in: behind EB's nginx an outside client is refused whatever headers it forges, and cannot force a dead letter", async (context) => {
    const queue = unique("sqsdorigin");
    const { hopper, runs } = jobsFor(queue);
    const app = await serve(createSqsdNodeHandler({ hopper, queue }));
    const nginx = await ebNginx(app.url);
    try {
      const sqsdHeaders = (id: string) => ({ "content-type": "application/json", "x-aws-sqsd-msgid": id, "x-aws-sqsd-receive-count": "99", "x-aws-sqsd-queue": `${testQueuePrefix}${queue}` });
      const body = JSON.stringify({ hopper: 1, id: "forged", job: "Work", version: 1, args: { fail: true }, queue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
      // Straight to the app from this host, naming an outside client in any of the headers a proxy writes.
      for (const forged of <Record<string, string>[]>[{ "x-forwarded-for": "203.0.113.7" }, { "x-forwarded-for": "127.0.0.1, 203.0.113.7" }, { "x-forwarded-for": "203.0.113.7, 127.0.0.1" }, { "x-real-ip": "203.0.113.7" }, { forwarded: "for=203.0.113.7" }, { forwarded: 'for="[2001:db8::1]:4711"' }, { "x-forwarded-for": "" }]) {
        const status = (await fetch(app.url, { method: "POST", headers: { ...sqsdHeaders("direct"), ...forged }, body })).status;
        expect({ forged, status }).toEqual({ forged, status: 403 });
      }
      // sqsd through nginx: every address it records is loopback.
      const local = await postFrom("127.0.0.1", "127.0.0.1", nginx.port, "/", { ...sqsdHeaders("local"), "x-aws-sqsd-receive-count": "1" }, JSON.stringify({ hopper: 1, id: "local", job: "Work", version: 1, args: { fail: false }, queue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} }));
      expect(local).toBe(200);
      expect(runs).toEqual([{ args: { fail: false }, attempt: 1 }]);
      const outside = externalAddress();
      if (!outside) return context.skip();
      // An outside client through nginx, with and without forged loopback headers; receive count 99 would dead-letter at once.
      for (const forged of <Record<string, string>[]>[{}, { "x-forwarded-for": "127.0.0.1", "x-real-ip": "127.0.0.1", forwarded: "for=127.0.0.1" }]) {
        const status = await postFrom(outside, outside, nginx.port, "/", { ...sqsdHeaders("outside"), ...forged }, body);
        expect({ forged, status }).toEqual({ forged, status: 403 });
      }
      expect(runs).toHaveLength(1);
      expect(await hopper.deadLetters(queue).take({ waitMs: 500 })).toEqual([]);
    } finally {
      await nginx.close();
      await app.close();
    }
  });

  it("sqsd: behind a body parser (express.json()) the request is refused 500 and logged; the message stays in SQS and runs once the handler is mounted first", async () => {
    const queue = unique("sqsdparsed");
    const { Work, hopper, runs } = jobsFor(queue);
    const logger = recordingLogger();
    const handler = createSqsdNodeHandler({ hopper, queue, logger });
    // What express.json() does before a route's handler: reads the stream, keeps the parsed object.
    const parsedFirst = await serve(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      Object.assign(request, { body: JSON.parse(Buffer.concat(chunks).toString("utf8")), _body: true });
      await handler(request, response);
    });
    const mountedFirst = await serve(handler);
    try {
      const id = await hopper.enqueue(Work, { fail: false });
      const refused = await sqsdRound(parsedFirst.url, queue);
      expect(refused.map((round) => round.status)).toEqual([500]);
      expect(runs).toEqual([]);
      expect(logger.lines.join("\n")).toMatch(/body parser/);
      expect(await hopper.deadLetters(queue).take({ waitMs: 200 })).toEqual([]);
      // Not deleted (sqsd deletes on 200 only): it comes back after its visibility timeout, whole.
      let again: Awaited<ReturnType<typeof sqsdRound>> = [];
      for (let round = 0; round < 10 && again.length === 0; round++) again = await sqsdRound(mountedFirst.url, queue);
      expect(again.map((round) => [envelopeIdOf(round.message.Body!), round.status])).toEqual([[id, 200]]);
      expect(runs).toEqual([{ args: { fail: false }, attempt: 2 }]);
    } finally {
      await parsedFirst.close();
      await mountedFirst.close();
    }
  });

  it("sqsd: localAddresses names the daemon by its IPv4 address, also when the app listens on every interface and sees it IPv4-mapped", async (context) => {
    const outside = externalAddress();
    if (!outside) return context.skip();
    const queue = unique("sqsdmapped");
    const { hopper, runs } = jobsFor(queue);
    const handler = createSqsdNodeHandler({ hopper, queue, localAddresses: [outside] });
    // app.listen(port) listens on "::", where an IPv4 peer's address reads "::ffff:<address>".
    const server = createServer((request, response) => void handler(request, response));
    await new Promise<void>((resolve) => server.listen(0, "::", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const headers = { "content-type": "application/json", "x-aws-sqsd-msgid": "m-1", "x-aws-sqsd-receive-count": "1", "x-aws-sqsd-queue": `${testQueuePrefix}${queue}` };
      const body = JSON.stringify({ hopper: 1, id: "mapped", job: "Work", version: 1, args: { fail: false }, queue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
      expect(await postFrom(outside, outside, port, "/", headers, body)).toBe(200);
      expect(runs).toEqual([{ args: { fail: false }, attempt: 1 }]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("sqsd: the queue is the handler's: a forged X-Aws-Sqsd-Queue neither moves the job nor creates an SQS queue", async () => {
    const queue = unique("sqsdqueue");
    const other = unique("sqsdother");
    const { Work, hopper, runs } = jobsFor(queue);
    const server = await serve(createSqsdNodeHandler({ hopper, queue }));
    try {
      await hopper.enqueue(Work, { fail: true });
      const rounds = await sqsdRound(server.url, queue, { "x-aws-sqsd-queue": `${testQueuePrefix}${other}` });
      expect(rounds.map((round) => round.status)).toEqual([503]);
      expect(runs).toHaveLength(1);
      const missing = await client.send(new GetQueueUrlCommand({ QueueName: `${testQueuePrefix}${other}` })).then(
        () => "exists",
        (error: Error) => error.name,
      );
      expect(missing).toMatch(/NonExistentQueue|QueueDoesNotExist/);
      const missingDead = await client.send(new GetQueueUrlCommand({ QueueName: `${testQueuePrefix}${other}-dead` })).then(
        () => "exists",
        (error: Error) => error.name,
      );
      expect(missingDead).toMatch(/NonExistentQueue|QueueDoesNotExist/);
    } finally {
      await server.close();
    }
  });

  it("lambda: the queue is the handler's: it must be configured, and a record from another queue is reported failed, not run", async () => {
    const queue = unique("lambdaarn");
    const other = unique("lambdaother");
    const { Work, hopper, runs } = jobsFor(queue);
    expect(configurationFieldOf(() => createSqsLambdaHandler({ hopper, queuePrefix: testQueuePrefix, reportBatchItemFailures: true } as unknown as Parameters<typeof createSqsLambdaHandler>[0]))).toBe("queue");
    const logger = recordingLogger();
    const handler = createSqsLambdaHandler({ hopper, queue, queuePrefix: testQueuePrefix, logger, reportBatchItemFailures: true });
    await hopper.enqueue(Work, { fail: false });
    const received = await client.send(new ReceiveMessageCommand({ QueueUrl: await queueUrlOf(queue), MaxNumberOfMessages: 1, WaitTimeSeconds: 2, VisibilityTimeout: 1, MessageSystemAttributeNames: ["All"] }));
    const message = received.Messages![0]!;
    const record = (eventSourceARN: string | undefined, messageId: string) => ({ messageId, body: message.Body!, attributes: { ApproximateReceiveCount: "1" }, ...(eventSourceARN !== undefined && { eventSourceARN }) });
    const result = await handler({
      Records: [
        record(`arn:aws:sqs:us-east-1:000000000000:${testQueuePrefix}${other}`, "from-other-queue"),
        record(`arn:aws:sqs:us-east-1:000000000000:${testQueuePrefix}${queue}-dead`, "from-dead-queue"),
        record(undefined, "no-arn"),
      ],
    });
    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(["from-dead-queue", "from-other-queue", "no-arn"]);
    expect(runs).toEqual([]);
    expect(logger.lines.some((line) => line.includes(other))).toBe(true);
    const missing = await client.send(new GetQueueUrlCommand({ QueueName: `${testQueuePrefix}${other}` })).then(
      () => "exists",
      (error: Error) => error.name,
    );
    expect(missing).toMatch(/NonExistentQueue|QueueDoesNotExist/);
  });

  it("lambda: a copy handed back uncounted runs with its earlier deliveries added to SQS's receive count", async () => {
    const queue = unique("lambdaearlier");
    const { Work, hopper, runs } = jobsFor(queue);
    const handler = createSqsLambdaHandler({ hopper, queue, queuePrefix: testQueuePrefix, reportBatchItemFailures: true });
    await hopper.enqueue(Work, { fail: false });
    const received = await client.send(new ReceiveMessageCommand({ QueueUrl: await queueUrlOf(queue), MaxNumberOfMessages: 1, WaitTimeSeconds: 2, MessageSystemAttributeNames: ["All"], MessageAttributeNames: ["All"] }));
    const message = received.Messages![0]!;
    const result = await handler({
      Records: [
        {
          messageId: message.MessageId!,
          body: message.Body!,
          attributes: { ApproximateReceiveCount: "1" },
          // What sqs-hand-back.ts puts on a copy of a job whose delivery 3 never started.
          messageAttributes: { HopperEarlierDeliveries: { stringValue: "2", dataType: "Number" } },
          eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${testQueuePrefix}${queue}`,
        },
      ],
    });
    expect(result.batchItemFailures).toEqual([]);
    expect(runs).toEqual([{ args: { fail: false }, attempt: 3 }]);
  });

  it("lambda: runs each record of an SQS event and reports the failed ones in batchItemFailures", async () => {
    const queue = unique("lambda");
    const { Work, hopper, runs } = jobsFor(queue);
    const handler = createSqsLambdaHandler({ hopper, queue, queuePrefix: testQueuePrefix, reportBatchItemFailures: true });
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
      const event = lambdaEventOf(queue, messages);
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

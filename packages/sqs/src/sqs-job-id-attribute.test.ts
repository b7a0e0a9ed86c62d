import { ChangeMessageVisibilityCommand, DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, type Message } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper, createMemoryRecordStore, Job, moveJobs, type Hopper, type JobContext } from "@hopper/core";
import type { Backend, ReceivedMessage } from "@hopper/core/backend";
import { createSqsdNodeHandler } from "./sqs-sqsd-handler.js";
import { createSqsLambdaHandler } from "./sqs-lambda-handler.js";
import { envelopeIdOf } from "@hopper/core/backend";
import { jobIdAttribute } from "./sqs-message-attributes.js";
import { createTestBackend, emulatorSides, sqsEndpoint, testQueuePrefix } from "./test-sqs-service.js";

function unique(label: string): string {
  return `${label}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

describe("envelopeIdOf on bodies no reader should trust", () => {
  it("gives undefined, never throws, for a cut-off envelope, an empty id, deep nesting and non-objects", () => {
    expect(envelopeIdOf('{"hopper":1,"id":"cut off')).toBeUndefined();
    expect(envelopeIdOf('{"hopper":1,"id":"","job":"J"}')).toBeUndefined();
    expect(envelopeIdOf('{"hopper":2,"id":"x"}'.replace('"hopper":2,', '"id":"x","hopper":2,'))).toBeUndefined();
    expect(envelopeIdOf(`${'{"a":'.repeat(200_000)}1${"}".repeat(200_000)}`)).toBeUndefined();
    expect(envelopeIdOf("[1,2]")).toBeUndefined();
    expect(envelopeIdOf("")).toBeUndefined();
    expect(envelopeIdOf('{"hopper":1,"id":"plain-id","job":"J"}')).toBe("plain-id");
  });
});

// Issue #18 drops the HopperJobId attribute in two steps. Step one: every reader takes the job's id from the envelope
// when a message has no attribute. Step two (this release): the jobs Hopper writes go without it; a body that is no
// envelope, or an envelope sent under another id, still carries it (the backend contract's id).
describe.skipIf(!sqsEndpoint)("sqs messages without the HopperJobId attribute", () => {
  const sides = emulatorSides(sqsEndpoint!);

  const queueUrlOf = async (queue: string) => (await sides.client.send(new GetQueueUrlCommand({ QueueName: `${testQueuePrefix}${queue}` }))).QueueUrl!;

  /** Every message on the queue, read with the raw SDK (attributes and all), then made visible again. */
  async function peekRaw(queueUrl: string, count: number): Promise<Message[]> {
    const seen: Message[] = [];
    for (let round = 0; round < 10 && seen.length < count; round++) {
      const { Messages = [] } = await sides.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] }));
      seen.push(...Messages);
    }
    await Promise.all(seen.map((message) => sides.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }))));
    return seen;
  }

  /** Replaces the job's message with one as a step-one writer sent it: the same body, and the attribute. */
  async function resendAsStepOne(queue: string, jobId: string): Promise<void> {
    const queueUrl = await queueUrlOf(queue);
    for (let round = 0; round < 10; round++) {
      const { Messages = [] } = await sides.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
      for (const message of Messages) {
        if (envelopeIdOf(message.Body!) !== jobId) {
          await sides.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }));
          continue;
        }
        await sides.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: message.Body!, MessageAttributes: { [jobIdAttribute]: { DataType: "String", StringValue: jobId } } }));
        await sides.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
        return;
      }
    }
    throw new Error(`job ${jobId} not found on ${queue}`);
  }

  function jobsFor(queue: string, options: { records?: boolean; backend?: Backend } = {}) {
    const ran: { jobId: string; attempt: number }[] = [];
    class Tagged extends Job<{ n: number; fail?: boolean }> {
      static override queue = queue;
      static override retry = { attempts: 1 };
      async perform(args: { n: number; fail?: boolean }, context: JobContext) {
        ran.push({ jobId: context.jobId, attempt: context.attempt });
        if (args.fail) throw new Error(`job ${args.n} failed`);
      }
    }
    const records = options.records ? { records: { store: createMemoryRecordStore({ store: unique("idrecords") }) } } : {};
    const hopper = createHopper({ backend: options.backend ?? sides.backend, jobs: [Tagged], logger: createConsoleLogger("silent"), ...records });
    return { Tagged, hopper, ran };
  }

  it("jobs Hopper enqueues (one, and in bulk) go without the attribute; the backend receives them with their envelope's id", async () => {
    const queue = unique("noattr");
    const { Tagged, hopper } = jobsFor(queue);
    const ids = [await hopper.enqueue(Tagged, { n: 1 }), ...(await hopper.enqueueAll(Tagged, [{ n: 2 }, { n: 3 }]))];
    const raw = await peekRaw(await queueUrlOf(queue), ids.length);
    expect(raw.map((message) => message.MessageAttributes)).toEqual([undefined, undefined, undefined]);
    expect(raw.map((message) => envelopeIdOf(message.Body!)).sort()).toEqual([...ids].sort());

    const received: ReceivedMessage[] = [];
    for (let round = 0; round < 10 && received.length < ids.length; round++) received.push(...(await sides.backend.receive({ queue, maxMessages: 10, waitMs: 2000, leaseMs: 30_000 })));
    expect(received.map((message) => message.id).sort()).toEqual([...ids].sort());
    await Promise.all(received.map((message) => message.ack()));
  });

  it("a body that is no envelope, and an envelope sent under another id, still carry the attribute and come back with the id they were sent with (an uncounted hand-back's copy too)", async () => {
    const queue = unique("rawbodies");
    const envelope = JSON.stringify({ hopper: 1, id: "inner-id", job: "Tagged", version: 1, args: { n: 1 }, queue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
    const results = await sides.backend.enqueue([
      { id: "raw-id", queue, body: "{}" },
      { id: "outer-id", queue, body: envelope },
    ]);
    expect(results.map((result) => result.status)).toEqual(["enqueued", "enqueued"]);
    const queueUrl = await queueUrlOf(queue);
    const raw = await peekRaw(queueUrl, 2);
    expect(raw.map((message) => message.MessageAttributes?.[jobIdAttribute]?.StringValue).sort()).toEqual(["outer-id", "raw-id"]);

    const received: ReceivedMessage[] = [];
    for (let round = 0; round < 10 && received.length < 2; round++) received.push(...(await sides.backend.receive({ queue, maxMessages: 10, waitMs: 2000, leaseMs: 30_000 })));
    expect(received.map((message) => message.id).sort()).toEqual(["outer-id", "raw-id"]);
    await Promise.all(received.map((message) => message.nack({ countAttempt: false })));
    const copies = await peekRaw(queueUrl, 2);
    expect(copies.map((copy) => [copy.Body, copy.MessageAttributes?.[jobIdAttribute]?.StringValue, copy.Attributes?.ApproximateReceiveCount]).sort()).toEqual([
      [envelope, "outer-id", "1"],
      ["{}", "raw-id", "1"],
    ]);
  });

  it("an uncounted hand-back of a job sent without the attribute keeps its attempt; its copy goes without the attribute too", async () => {
    const queue = unique("noattrback");
    const { Tagged, hopper } = jobsFor(queue);
    const id = await hopper.enqueue(Tagged, { n: 1 });
    const [first] = await sides.backend.receive({ queue, maxMessages: 1, waitMs: 2000, leaseMs: 30_000 });
    expect([first?.id, first?.deliveryAttempt]).toEqual([id, 1]);
    await first!.nack({ countAttempt: false });

    const [copy] = await peekRaw(await queueUrlOf(queue), 1);
    expect([copy?.Attributes?.ApproximateReceiveCount, copy?.MessageAttributes?.HopperEarlierDeliveries?.StringValue, copy?.MessageAttributes?.[jobIdAttribute]]).toEqual(["1", "0", undefined]);
    expect(envelopeIdOf(copy!.Body!)).toBe(id);
    // peekRaw's receive counted one delivery: the worker's next is its 2nd, not the 3rd a counted nack would give.
    const [again] = await sides.backend.receive({ queue, maxMessages: 1, waitMs: 2000, leaseMs: 30_000 });
    expect([again?.id, again?.deliveryAttempt]).toEqual([id, 2]);
    await again!.ack();
  });

  it("FIFO: an unstarted job sent without the attribute is handed back as an uncounted copy (its group is its job's own, known by the envelope's id)", async () => {
    const fifo = createTestBackend(sqsEndpoint!, { fifo: true });
    try {
      const queue = unique("noattrfifo");
      const { Tagged, hopper } = jobsFor(queue, { backend: fifo });
      const id = await hopper.enqueue(Tagged, { n: 1 });
      const queueUrl = (await sides.client.send(new GetQueueUrlCommand({ QueueName: `${testQueuePrefix}${queue}.fifo` }))).QueueUrl!;

      const [received] = await fifo.receive({ queue, maxMessages: 1, waitMs: 2000, leaseMs: 30_000 });
      expect([received?.id, received?.deliveryAttempt]).toEqual([id, 1]);
      await received!.nack({ countAttempt: false });
      // Counted, SQS would say 2 and there would be no HopperEarlierDeliveries.
      const { Messages: copies = [] } = await sides.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] }));
      expect(copies.map((copy) => [copy.Attributes?.ApproximateReceiveCount, copy.MessageAttributes?.HopperEarlierDeliveries?.StringValue, copy.MessageAttributes?.[jobIdAttribute], envelopeIdOf(copy.Body!)])).toEqual([["1", "0", undefined, id]]);
    } finally {
      await fifo.close();
    }
  });

  it("a message of a step-one producer (the attribute sent as well) is read as before", async () => {
    const queue = unique("stepone");
    const { Tagged, hopper, ran } = jobsFor(queue, { records: true });
    const id = await hopper.enqueue(Tagged, { n: 1 });
    await resendAsStepOne(queue, id);

    const [received] = await sides.backend.receive({ queue, maxMessages: 1, waitMs: 2000, leaseMs: 30_000 });
    expect([received?.id, received?.deliveryAttempt]).toEqual([id, 1]);
    await received!.nack({ countAttempt: false });
    await runUntilSettled(hopper, queue, [id]);
    expect(ran).toEqual([{ jobId: id, attempt: 1 }]);
    expect(await hopper.jobs.get(id)).toMatchObject({ id, state: "succeeded" });
  });

  it("hopper move's copies follow the same rule: a Hopper job and a step-one producer's message both arrive without the attribute, a raw body with it", async () => {
    const queue = unique("moved");
    const target = createTestBackend(sqsEndpoint!, { queuePrefix: `${testQueuePrefix}to-` });
    try {
      const { Tagged, hopper } = jobsFor(queue);
      const fresh = await hopper.enqueue(Tagged, { n: 1 });
      const steppedOne = await hopper.enqueue(Tagged, { n: 2 });
      await resendAsStepOne(queue, steppedOne);
      await sides.backend.enqueue([{ id: "raw-moved", queue, body: "{}" }]);

      const report = await moveJobs({ from: sides.backend, to: target, queues: [queue], idleWaitMs: 500 });
      expect(report.moved).toBe(3);
      const targetUrl = (await sides.client.send(new GetQueueUrlCommand({ QueueName: `${testQueuePrefix}to-${queue}` }))).QueueUrl!;
      const moved = await peekRaw(targetUrl, 3);
      expect(moved.map((message) => [envelopeIdOf(message.Body!) ?? message.Body, message.MessageAttributes?.[jobIdAttribute]?.StringValue]).sort()).toEqual(
        [[fresh, undefined], [steppedOne, undefined], ["{}", "raw-moved"]].sort(),
      );
    } finally {
      await target.close();
    }
  });

  /** Runs a worker on the queue until every id has a settled record. */
  async function runUntilSettled(hopper: Hopper, queue: string, ids: readonly string[]): Promise<void> {
    const worker = hopper.worker({ queues: [queue], pollWait: 500, handleSignals: false });
    const running = worker.run();
    try {
      for (const id of ids) await hopper.jobs.wait(id, { timeout: "20s" });
    } finally {
      await worker.stop({ timeout: 5000 });
      await running;
    }
  }

  it("a worker runs jobs sent without the attribute under their own ids: records, cancel by id, dead letters", async () => {
    const queue = unique("noattrrun");
    const { Tagged, hopper, ran } = jobsFor(queue, { records: true });
    const runs = await hopper.enqueue(Tagged, { n: 1 });
    const cancelled = await hopper.enqueue(Tagged, { n: 2 });
    const fails = await hopper.enqueue(Tagged, { n: 3, fail: true });
    expect((await peekRaw(await queueUrlOf(queue), 3)).map((message) => message.MessageAttributes)).toEqual([undefined, undefined, undefined]);
    expect(await hopper.jobs.cancel(cancelled)).toMatchObject({ cancelled: true });

    await runUntilSettled(hopper, queue, [runs, fails]);
    expect(await hopper.jobs.get(runs)).toMatchObject({ id: runs, state: "succeeded" });
    expect(await hopper.jobs.get(fails)).toMatchObject({ id: fails, state: "dead" });
    expect(await hopper.jobs.get(cancelled)).toMatchObject({ id: cancelled, state: "cancelled" });
    expect(ran.filter((run) => run.jobId === cancelled)).toEqual([]);
    const [deadLetter] = await hopper.deadLetters(queue).take({ waitMs: 2000 });
    expect(deadLetter).toMatchObject({ id: fails, envelope: { id: fails }, error: { message: "job 3 failed" } });
  });

  it("the Lambda and sqsd handlers hand the job's id to runMessage, as the worker's receive does", async () => {
    const queue = unique("noattrpush");
    const { Tagged, hopper, ran } = jobsFor(queue);
    const given: string[] = [];
    const spying: Hopper = { ...hopper, runMessage: (pushed) => (given.push(pushed.id), hopper.runMessage(pushed)) };
    const lambda = createSqsLambdaHandler({ hopper: spying, queue, queuePrefix: testQueuePrefix, reportBatchItemFailures: true });
    const sqsd = createSqsdNodeHandler({ hopper: spying, queue, insecureNoAuth: true, logger: createConsoleLogger("silent") });
    const ids = [await hopper.enqueue(Tagged, { n: 1 }), await hopper.enqueue(Tagged, { n: 2 })];
    const { Messages = [] } = await sides.client.send(new ReceiveMessageCommand({ QueueUrl: await queueUrlOf(queue), MaxNumberOfMessages: 10, WaitTimeSeconds: 2, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] }));
    expect(Messages).toHaveLength(2);
    const [forLambda, forSqsd] = Messages as [(typeof Messages)[0], (typeof Messages)[0]];
    expect([forLambda.MessageAttributes, forSqsd.MessageAttributes]).toEqual([undefined, undefined]);

    const result = await lambda({ Records: [{ messageId: forLambda.MessageId!, body: forLambda.Body!, attributes: { ApproximateReceiveCount: "1" }, eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${testQueuePrefix}${queue}` }] });
    expect(result.batchItemFailures).toEqual([]);
    const status = await postToNodeHandler(sqsd, { "x-aws-sqsd-msgid": forSqsd.MessageId!, "x-aws-sqsd-queue": `${testQueuePrefix}${queue}`, "x-aws-sqsd-receive-count": "1" }, forSqsd.Body!);
    expect(status).toBe(200);

    expect(given).toEqual([envelopeIdOf(forLambda.Body!), envelopeIdOf(forSqsd.Body!)]);
    expect([...given].sort()).toEqual([...ids].sort());
    expect(ran.map((run) => run.jobId)).toEqual(given);
  });

  it("envelopes written another way still give their id; a body that is no envelope gets SQS's MessageId", async () => {
    const queue = unique("otherbodies");
    // The backend creates the queue on its first use.
    expect(await sides.backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 30_000 })).toEqual([]);
    const queueUrl = await queueUrlOf(queue);
    const envelope = { hopper: 1, id: 'quote " and \\ backslash', job: "Tagged", version: 1, args: { n: 1 }, queue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} };
    const { id: _id, ...rest } = envelope;
    const bodies = {
      escaped: JSON.stringify(envelope),
      reordered: JSON.stringify({ ...rest, id: "reordered-id" }),
      spaced: JSON.stringify({ ...envelope, id: "spaced-id" }, null, 2),
      notEnvelope: JSON.stringify({ id: "not-hopper" }),
      notJson: "plain text",
    };
    const sent = new Map<string, string>();
    for (const body of Object.values(bodies)) sent.set(body, (await sides.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }))).MessageId!);
    const received: ReceivedMessage[] = [];
    for (let round = 0; round < 10 && received.length < sent.size; round++) received.push(...(await sides.backend.receive({ queue, maxMessages: 10, waitMs: 2000, leaseMs: 30_000 })));
    expect(received).toHaveLength(sent.size);
    const idOf = (body: string) => received.find((message) => message.body === body)?.id;
    expect(idOf(bodies.escaped)).toBe(envelope.id);
    expect(idOf(bodies.reordered)).toBe("reordered-id");
    expect(idOf(bodies.spaced)).toBe("spaced-id");
    expect(idOf(bodies.notEnvelope)).toBe(sent.get(bodies.notEnvelope));
    expect(idOf(bodies.notJson)).toBe(sent.get(bodies.notJson));
    await Promise.all(received.map((message) => message.ack()));
  });
});

/** One POST through the Node form of the sqsd handler on a loopback server. */
async function postToNodeHandler(handler: ReturnType<typeof createSqsdNodeHandler>, headers: Record<string, string>, body: string): Promise<number> {
  const { createServer } = await import("node:http");
  const server = createServer((request, response) => void handler(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", headers: { "content-type": "application/json", "user-agent": "aws-sqsd/3.0.4", ...headers }, body });
    return response.status;
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper, createMemoryRecordStore, Job, type Hopper, type JobContext } from "@hopper/core";
import type { ReceivedMessage } from "@hopper/core/backend";
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

// Issue #18 drops the HopperJobId attribute in two steps; this is step one's promise: every reader gets the job's
// id from the envelope when a message has no attribute (another producer's send today, a later writer's tomorrow).
describe.skipIf(!sqsEndpoint)("sqs messages without the HopperJobId attribute", () => {
  const sides = emulatorSides(sqsEndpoint!);

  const queueUrlOf = async (queue: string) => (await sides.client.send(new GetQueueUrlCommand({ QueueName: `${testQueuePrefix}${queue}` }))).QueueUrl!;

  /** Takes every message Hopper enqueued on `queue` off it and sends each body again with the raw SDK, no message attributes. */
  async function resendWithoutAttribute(queue: string, count: number): Promise<void> {
    const queueUrl = await queueUrlOf(queue);
    for (let moved = 0; moved < count; ) {
      const { Messages = [] } = await sides.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, MessageAttributeNames: ["All"] }));
      for (const message of Messages) {
        expect(message.MessageAttributes?.[jobIdAttribute]?.StringValue).toBeDefined();
        await sides.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: message.Body! }));
        await sides.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
        moved += 1;
      }
    }
  }

  function jobsFor(queue: string, options: { records?: boolean } = {}) {
    const ran: { jobId: string; attempt: number }[] = [];
    class Tagged extends Job<{ n: number }> {
      static override queue = queue;
      async perform(_args: { n: number }, context: JobContext) {
        ran.push({ jobId: context.jobId, attempt: context.attempt });
      }
    }
    const records = options.records ? { records: { store: createMemoryRecordStore({ store: unique("idrecords") }) } } : {};
    const hopper = createHopper({ backend: sides.backend, jobs: [Tagged], logger: createConsoleLogger("silent"), ...records });
    return { Tagged, hopper, ran };
  }

  it("a received message has its envelope's job id, and an uncounted hand-back's copy keeps it", async () => {
    const queue = unique("noattr");
    const { Tagged, hopper } = jobsFor(queue);
    const id = await hopper.enqueue(Tagged, { n: 1 });
    await resendWithoutAttribute(queue, 1);

    const [first] = await sides.backend.receive({ queue, maxMessages: 1, waitMs: 2000, leaseMs: 30_000 });
    expect(first?.id).toBe(id);
    await first!.nack({ countAttempt: false });

    // The copy goes out with the attribute, and it names the job, not the original's SQS MessageId.
    const { Messages = [] } = await sides.client.send(new ReceiveMessageCommand({ QueueUrl: await queueUrlOf(queue), WaitTimeSeconds: 2, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] }));
    expect(Messages.map((message) => message.MessageAttributes?.[jobIdAttribute]?.StringValue)).toEqual([id]);
    expect(Messages[0]!.Attributes?.ApproximateReceiveCount).toBe("1");
  });

  it("FIFO: an unstarted job's hand-back still sends an uncounted copy (its group is its job's own, known by the envelope's id)", async () => {
    const fifo = createTestBackend(sqsEndpoint!, { fifo: true });
    try {
      const queue = unique("noattrfifo");
      const { Tagged } = jobsFor(queue);
      const id = await createHopper({ backend: fifo, jobs: [Tagged], logger: createConsoleLogger("silent") }).enqueue(Tagged, { n: 1 });
      const queueUrl = (await sides.client.send(new GetQueueUrlCommand({ QueueName: `${testQueuePrefix}${queue}.fifo` }))).QueueUrl!;
      const { Messages = [] } = await sides.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2, MessageSystemAttributeNames: ["All"] }));
      const original = Messages[0]!;
      await sides.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: original.Body!, MessageGroupId: original.Attributes!.MessageGroupId!, MessageDeduplicationId: "resent" }));
      await sides.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: original.ReceiptHandle! }));

      const [received] = await fifo.receive({ queue, maxMessages: 1, waitMs: 2000, leaseMs: 30_000 });
      expect(received?.id).toBe(id);
      await received!.nack({ countAttempt: false });
      // Counted, SQS would say 2 and the copy's attribute would be missing.
      const { Messages: copies = [] } = await sides.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] }));
      expect(copies.map((copy) => [copy.Attributes?.ApproximateReceiveCount, copy.MessageAttributes?.HopperEarlierDeliveries?.StringValue, copy.MessageAttributes?.[jobIdAttribute]?.StringValue])).toEqual([["1", "0", id]]);
    } finally {
      await fifo.close();
    }
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

  it("a worker runs such a message with its job's id and record, and cancel by id keeps a waiting one from running", async () => {
    const queue = unique("noattrrun");
    const { Tagged, hopper, ran } = jobsFor(queue, { records: true });
    const runs = await hopper.enqueue(Tagged, { n: 1 });
    const cancelled = await hopper.enqueue(Tagged, { n: 2 });
    await resendWithoutAttribute(queue, 2);
    expect(await hopper.jobs.cancel(cancelled)).toMatchObject({ cancelled: true });

    const worker = hopper.worker({ queues: [queue], pollWait: 500, handleSignals: false });
    const running = worker.run();
    try {
      const record = await hopper.jobs.wait(runs, { timeout: "20s" });
      expect(record).toMatchObject({ id: runs, state: "succeeded", attempt: 1 });
      // The cancelled job's message was received and dropped without a run (the queue empties).
      for (let round = 0; round < 100 && (await sides.backend.stats!(queue).then((stats) => stats.ready + stats.inFlight)) > 0; round++) await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await worker.stop({ timeout: 5000 });
      await running;
    }
    expect(ran).toEqual([{ jobId: runs, attempt: 1 }]);
    expect(await hopper.jobs.get(cancelled)).toMatchObject({ id: cancelled, state: "cancelled" });
  });

  it("the Lambda and sqsd handlers hand the job's id to runMessage, as the worker's receive does", async () => {
    const queue = unique("noattrpush");
    const { Tagged, hopper, ran } = jobsFor(queue);
    const given: string[] = [];
    const spying: Hopper = { ...hopper, runMessage: (pushed) => (given.push(pushed.id), hopper.runMessage(pushed)) };
    const lambda = createSqsLambdaHandler({ hopper: spying, queue, queuePrefix: testQueuePrefix, reportBatchItemFailures: true });
    const sqsd = createSqsdNodeHandler({ hopper: spying, queue, insecureNoAuth: true, logger: createConsoleLogger("silent") });
    const ids = [await hopper.enqueue(Tagged, { n: 1 }), await hopper.enqueue(Tagged, { n: 2 })];
    await resendWithoutAttribute(queue, 2);
    const { Messages = [] } = await sides.client.send(new ReceiveMessageCommand({ QueueUrl: await queueUrlOf(queue), MaxNumberOfMessages: 10, WaitTimeSeconds: 2, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] }));
    expect(Messages).toHaveLength(2);
    const [forLambda, forSqsd] = Messages as [(typeof Messages)[0], (typeof Messages)[0]];
    expect(forLambda.MessageAttributes).toBeUndefined();

    const result = await lambda({ Records: [{ messageId: forLambda.MessageId!, body: forLambda.Body!, attributes: { ApproximateReceiveCount: "1" }, eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${testQueuePrefix}${queue}` }] });
    expect(result.batchItemFailures).toEqual([]);
    const status = await postToNodeHandler(sqsd, { "x-aws-sqsd-msgid": forSqsd.MessageId!, "x-aws-sqsd-queue": `${testQueuePrefix}${queue}`, "x-aws-sqsd-receive-count": "1" }, forSqsd.Body!);
    expect(status).toBe(200);

    const idOfBody = (body: string) => ids.find((id) => body.includes(JSON.stringify(id)));
    expect(given).toEqual([idOfBody(forLambda.Body!), idOfBody(forSqsd.Body!)]);
    expect(ran.map((run) => run.jobId)).toEqual(given);
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

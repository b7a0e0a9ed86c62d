// Runs the same SQS behaviour checks against both npm emulators and prints a
// Markdown table: `pnpm exec tsx scripts/services/src/sqs-emulator-compare.ts`.
// It is how the emulator used by the services tool was chosen (see README).
import { setTimeout as sleep } from "node:timers/promises";
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from "@aws-sdk/client-sqs";
import { buildApp } from "fauxqs";
import { createSqsServer } from "local-aws-sqs";
import { findFreePort } from "./free-port.js";

interface Emulator {
  name: string;
  endpoint: string;
  stop(): Promise<void>;
}

type Check = (sqs: SQSClient, prefix: string) => Promise<string | true>;

async function startFauxqs(): Promise<Emulator> {
  const app = buildApp({ logger: false });
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  return { name: "fauxqs", endpoint: address, stop: () => app.close() };
}

async function startLocalAwsSqs(): Promise<Emulator> {
  const port = await findFreePort();
  const server = await createSqsServer({ port, hostname: "127.0.0.1", emulateQueueCreationLifecycle: false });
  return {
    name: "local-aws-sqs",
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string> = {}): Promise<string> {
  const result = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!result.QueueUrl) throw new Error("CreateQueue returned no QueueUrl");
  return result.QueueUrl;
}

async function receive(sqs: SQSClient, queueUrl: string, extra: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {}): Promise<Message[]> {
  const result = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ["All"], AttributeNames: ["All"], ...extra }),
  );
  return result.Messages ?? [];
}

const checks: Record<string, Check> = {
  "ListQueues (readiness)": async (sqs) => {
    await sqs.send(new ListQueuesCommand({}));
    return true;
  },
  "long polling waits on an empty queue": async (sqs, prefix) => {
    const queueUrl = await createQueue(sqs, `${prefix}-lp-empty`);
    const started = Date.now();
    const messages = await receive(sqs, queueUrl, { WaitTimeSeconds: 2 });
    const waited = Date.now() - started;
    if (messages.length > 0) return "returned a message from an empty queue";
    return waited >= 1500 ? true : `returned after ${waited} ms`;
  },
  "long polling returns early when a message arrives": async (sqs, prefix) => {
    const queueUrl = await createQueue(sqs, `${prefix}-lp-early`);
    const started = Date.now();
    const pending = receive(sqs, queueUrl, { WaitTimeSeconds: 5 });
    await sleep(300);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "hello" }));
    const messages = await pending;
    const waited = Date.now() - started;
    if (messages.length !== 1) return `got ${messages.length} messages`;
    return waited < 3000 ? true : `waited ${waited} ms`;
  },
  "visibility timeout hides, then redelivers": async (sqs, prefix) => {
    const queueUrl = await createQueue(sqs, `${prefix}-vis`);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "v" }));
    const first = await receive(sqs, queueUrl, { VisibilityTimeout: 1 });
    if (first.length !== 1) return "first receive got nothing";
    if ((await receive(sqs, queueUrl)).length !== 0) return "visible while in flight";
    await sleep(1500);
    const again = await receive(sqs, queueUrl);
    return again.length === 1 ? true : "not redelivered after timeout";
  },
  "ChangeMessageVisibility (0 = release now, longer = extend)": async (sqs, prefix) => {
    const queueUrl = await createQueue(sqs, `${prefix}-cmv`);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "c" }));
    const [message] = await receive(sqs, queueUrl, { VisibilityTimeout: 1 });
    if (!message?.ReceiptHandle) return "receive got nothing";
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 5 }));
    await sleep(1500);
    if ((await receive(sqs, queueUrl)).length !== 0) return "extension ignored";
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }));
    return (await receive(sqs, queueUrl)).length === 1 ? true : "release (0) ignored";
  },
  "DelaySeconds per message": async (sqs, prefix) => {
    const queueUrl = await createQueue(sqs, `${prefix}-delay`);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "d", DelaySeconds: 1 }));
    if ((await receive(sqs, queueUrl)).length !== 0) return "delivered before the delay";
    await sleep(1500);
    return (await receive(sqs, queueUrl)).length === 1 ? true : "never delivered";
  },
  "DelaySeconds > 900 rejected": async (sqs, prefix) => {
    const queueUrl = await createQueue(sqs, `${prefix}-delay-max`);
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "d", DelaySeconds: 901 }));
      return "accepted";
    } catch {
      return true;
    }
  },
  "SendMessageBatch + DeleteMessageBatch (10)": async (sqs, prefix) => {
    const queueUrl = await createQueue(sqs, `${prefix}-batch`);
    const entries = Array.from({ length: 10 }, (_, index) => ({ Id: `m${index}`, MessageBody: `body ${index}` }));
    const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    if (sent.Successful?.length !== 10) return `sent ${sent.Successful?.length ?? 0}`;
    const messages = await receive(sqs, queueUrl);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((message, index) => ({ Id: `d${index}`, ReceiptHandle: message.ReceiptHandle })),
      }),
    );
    if ((deleted.Successful?.length ?? 0) !== messages.length) return "delete batch incomplete";
    return messages.length >= 1 ? true : "received none";
  },
  "batch of 11 rejected (TooManyEntriesInBatchRequest)": async (sqs, prefix) => {
    const queueUrl = await createQueue(sqs, `${prefix}-batch11`);
    const entries = Array.from({ length: 11 }, (_, index) => ({ Id: `m${index}`, MessageBody: "x" }));
    try {
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      return "accepted";
    } catch (error) {
      return (error as Error).name.includes("TooManyEntries") ? true : `threw ${(error as Error).name}`;
    }
  },
  "ApproximateReceiveCount increments": async (sqs, prefix) => {
    const queueUrl = await createQueue(sqs, `${prefix}-arc`);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "a" }));
    const [first] = await receive(sqs, queueUrl, { VisibilityTimeout: 0 });
    const [second] = await receive(sqs, queueUrl, { VisibilityTimeout: 0 });
    const counts = [first, second].map((message) => message?.Attributes?.ApproximateReceiveCount);
    return counts[0] === "1" && counts[1] === "2" ? true : `counts ${JSON.stringify(counts)}`;
  },
  "FIFO: order within a MessageGroupId, one in flight per group": async (sqs, prefix) => {
    const queueUrl = await createQueue(sqs, `${prefix}-order.fifo`, { FifoQueue: "true" });
    for (const body of ["1", "2", "3"]) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageGroupId: "g", MessageDeduplicationId: body }));
    }
    const [first] = await receive(sqs, queueUrl, { MaxNumberOfMessages: 1, VisibilityTimeout: 30 });
    if (first?.Body !== "1") return `first was ${first?.Body}`;
    const blocked = await receive(sqs, queueUrl);
    if (blocked.length !== 0) return "group not locked while a message is in flight";
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: "x", ReceiptHandle: first.ReceiptHandle }] }));
    const rest = await receive(sqs, queueUrl);
    // Real SQS may hand out several messages of one group at once, in order;
    // an emulator that hands out one per group per receive is stricter but fine.
    const bodies = rest.map((message) => message.Body).join(",");
    return bodies === "2,3" || bodies === "2" ? true : `then got ${bodies}`;
  },
  "FIFO: MessageDeduplicationId dedupes": async (sqs, prefix) => {
    const queueUrl = await createQueue(sqs, `${prefix}-dedupe.fifo`, { FifoQueue: "true" });
    for (let index = 0; index < 2; index++) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `b${index}`, MessageGroupId: "g", MessageDeduplicationId: "same" }));
    }
    const messages = await receive(sqs, queueUrl);
    return messages.length === 1 ? true : `got ${messages.length}`;
  },
  "FIFO: ContentBasedDeduplication": async (sqs, prefix) => {
    const queueUrl = await createQueue(sqs, `${prefix}-cbd.fifo`, { FifoQueue: "true", ContentBasedDeduplication: "true" });
    for (let index = 0; index < 2; index++) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "same body", MessageGroupId: "g" }));
    }
    const messages = await receive(sqs, queueUrl);
    return messages.length === 1 ? true : `got ${messages.length}`;
  },
  "redrive policy moves to DLQ after maxReceiveCount": async (sqs, prefix) => {
    const dlqUrl = await createQueue(sqs, `${prefix}-dlq`);
    const dlqAttributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }));
    const deadLetterTargetArn = dlqAttributes.Attributes?.QueueArn;
    const queueUrl = await createQueue(sqs, `${prefix}-src`, {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn, maxReceiveCount: 1 }),
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "r" }));
    await receive(sqs, queueUrl, { VisibilityTimeout: 0 });
    const again = await receive(sqs, queueUrl, { VisibilityTimeout: 0 });
    if (again.length !== 0) return "redelivered past maxReceiveCount";
    const dead = await receive(sqs, dlqUrl);
    return dead.length === 1 ? true : "not found in DLQ";
  },
  "ApproximateNumberOfMessages attribute": async (sqs, prefix) => {
    const queueUrl = await createQueue(sqs, `${prefix}-count`);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "n" }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "n" }));
    const result = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }));
    const count = result.Attributes?.ApproximateNumberOfMessages;
    return count === "2" ? true : `count ${count}`;
  },
};

async function runAgainst(emulator: Emulator): Promise<Record<string, string>> {
  const sqs = new SQSClient({
    endpoint: emulator.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  const results: Record<string, string> = {};
  const prefix = `cmp${Date.now()}`;
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        const outcome = await check(sqs, prefix);
        results[name] = outcome === true ? "yes" : `no: ${outcome}`;
      } catch (error) {
        results[name] = `no: ${(error as Error).name}: ${(error as Error).message.slice(0, 80)}`;
      }
    }),
  );
  sqs.destroy();
  return results;
}

const emulators = [await startFauxqs(), await startLocalAwsSqs()];
const table: Record<string, Record<string, string>> = {};
for (const emulator of emulators) {
  table[emulator.name] = await runAgainst(emulator);
  await emulator.stop();
}
console.log(`| check | ${emulators.map((emulator) => emulator.name).join(" | ")} |`);
console.log(`|---|${emulators.map(() => "---").join("|")}|`);
for (const name of Object.keys(checks)) {
  console.log(`| ${name} | ${emulators.map((emulator) => table[emulator.name]?.[name]).join(" | ")} |`);
}

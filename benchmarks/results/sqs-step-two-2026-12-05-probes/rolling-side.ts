/**
 * One side of the rolling-deploy check of step two (rolling-deploy.sh runs it): the Hopper and SQS backend of the
 * checkout at ROOT (main's, or this branch's), on the emulator at HOPPER_TEST_SQS_ENDPOINT, queue prefix PREFIX.
 *   ROOT=/work/main PREFIX=rd1- node --conditions=@hopper/source --import ./src/child/strip-types.mjs \
 *     ../../benchmarks/results/sqs-step-two-2026-12-05-probes/rolling-side.ts <role> <queue> [n|ms] [fifo]
 * Roles (one JSON line out each):
 *   enqueue <queue> <n>     enqueues n jobs (one alone, the rest in one enqueueAll): {"ids": [...]}
 *   handback <queue> <n>    receives n messages with the backend, hands each back uncounted (a job that never
 *                           started): {"received": [[id, deliveryAttempt], ...]}
 *   peek <queue> <n>        the raw SDK's view, made visible again: {"messages": [[envelope id, HopperJobId attribute,
 *                           receive count, HopperEarlierDeliveries], ...]}
 *   work <queue> <ms>       a worker for ms milliseconds: {"ran": [[jobId, attempt], ...]}
 */
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const root = process.env.ROOT ?? "";
const prefix = process.env.PREFIX ?? "rd-";
const endpoint = process.env.HOPPER_TEST_SQS_ENDPOINT ?? "";
const [role = "", queue = "", amountText = "10", fifoFlag = ""] = process.argv.slice(2);
const amount = Number(amountText);
const fifo = fifoFlag === "fifo";
if (!root || !endpoint || !queue) throw new Error("set ROOT and HOPPER_TEST_SQS_ENDPOINT, and name a role and a queue");

const core = await import(pathToFileURL(`${root}/packages/core/src/index.ts`).href);
const sqs = await import(pathToFileURL(`${root}/packages/sqs/src/index.ts`).href);
const client = createRequire(`${root}/packages/sqs/package.json`)("@aws-sdk/client-sqs");

const ran: [string, number][] = [];
class RollingProbe extends core.Job {
  static queue = queue;
  async perform(_args: { n: number }, context: { jobId: string; attempt: number }) {
    ran.push([context.jobId, context.attempt]);
  }
}
const backend = sqs.createSqsBackend({ endpoint, region: "us-east-1", queuePrefix: prefix, createQueues: true, fifo });
const hopper = core.createHopper({ backend, jobs: [RollingProbe], logger: core.createConsoleLogger("silent") });

if (role === "enqueue") {
  const ids = [await hopper.enqueue(RollingProbe, { n: 0 }), ...(await hopper.enqueueAll(RollingProbe, Array.from({ length: amount - 1 }, (_, n) => ({ n: n + 1 }))))];
  console.log(JSON.stringify({ ids }));
} else if (role === "handback") {
  const received: [string, number | undefined][] = [];
  for (let round = 0; round < 20 && received.length < amount; round++) {
    for (const message of await backend.receive({ queue, maxMessages: amount - received.length, waitMs: 1000, leaseMs: 30_000 })) {
      received.push([message.id, message.deliveryAttempt]);
      await message.nack({ countAttempt: false });
    }
  }
  console.log(JSON.stringify({ received }));
} else if (role === "peek") {
  const raw = new client.SQSClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  const { QueueUrl } = await raw.send(new client.GetQueueUrlCommand({ QueueName: `${prefix}${queue}${fifo ? ".fifo" : ""}` }));
  const messages: unknown[] = [];
  const handles: string[] = [];
  for (let round = 0; round < 20 && messages.length < amount; round++) {
    const { Messages = [] } = await raw.send(new client.ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] }));
    for (const message of Messages) {
      messages.push([JSON.parse(message.Body).id, message.MessageAttributes?.HopperJobId?.StringValue ?? null, message.Attributes?.ApproximateReceiveCount, message.MessageAttributes?.HopperEarlierDeliveries?.StringValue ?? null]);
      handles.push(message.ReceiptHandle);
    }
  }
  for (const handle of handles) await raw.send(new client.ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: handle, VisibilityTimeout: 0 }));
  raw.destroy();
  console.log(JSON.stringify({ messages }));
} else if (role === "work") {
  const worker = hopper.worker({ queues: [queue], pollWait: 500, handleSignals: false });
  const running = worker.run();
  await new Promise((resolve) => setTimeout(resolve, amount));
  await worker.stop({ timeout: 5000 });
  await running;
  console.log(JSON.stringify({ ran }));
} else {
  throw new Error(`unknown role ${role}: enqueue, handback, peek or work`);
}
await hopper.close?.();
await backend.close();

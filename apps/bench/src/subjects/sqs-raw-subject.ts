import { CreateQueueCommand, DeleteMessageBatchCommand, DeleteQueueCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { chunk, decodeJob, encodeJob, type BenchSubject } from "./bench-subject.js";
import { startClaimLoop } from "./claim-loop.js";

const maxBatch = 10;
const maxBatchBytes = 256 * 1024;

/** Reads region, endpoint and queue-name prefix from the same sqs:// URL Hopper takes. */
function parseSqsUrl(text: string): { region: string; endpoint?: string; prefix: string } {
  const url = new URL(text);
  const region = url.hostname && url.hostname !== "default" ? url.hostname : (process.env.AWS_REGION ?? "us-east-1");
  const endpoint = url.searchParams.get("endpoint") ?? undefined;
  return { region, ...(endpoint && { endpoint }), prefix: decodeURIComponent(url.pathname.replace(/^\//, "")) };
}

/**
 * The least SQS needs: SendMessage / SendMessageBatch (chunks of 10 in
 * parallel); ReceiveMessage with long polling, one receive loop per 10 slots;
 * DeleteMessageBatch of whatever finished in the same tick.
 */
export async function createSqsRawSubject(connection: string): Promise<BenchSubject> {
  const { region, endpoint, prefix } = parseSqsUrl(connection);
  const client = new SQSClient({ region, ...(endpoint && { endpoint }) });
  const queueUrls = new Map<string, string>();
  const queueNameOf = (queue: string) => `${prefix}${queue}`.slice(0, 80);
  const urlOf = (queue: string) => {
    const queueUrl = queueUrls.get(queue);
    if (!queueUrl) throw new Error(`queue ${queue} was not prepared`);
    return queueUrl;
  };
  const pendingDeletes = new Map<string, { handle: string; done: () => void }[]>();
  const deleteLater = (queueUrl: string, handle: string) =>
    new Promise<void>((resolve) => {
      const pending = pendingDeletes.get(queueUrl) ?? [];
      pending.push({ handle, done: resolve });
      pendingDeletes.set(queueUrl, pending);
      if (pending.length === 1) {
        setImmediate(() => {
          const batch = pendingDeletes.get(queueUrl) ?? [];
          pendingDeletes.delete(queueUrl);
          for (const part of chunk(batch, maxBatch)) {
            void client
              .send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: part.map((entry, index) => ({ Id: String(index), ReceiptHandle: entry.handle })) }))
              .catch(() => {})
              .finally(() => part.forEach((entry) => entry.done()));
          }
        });
      }
    });

  return {
    maxPayloadBytes: maxBatchBytes - 512,
    supportsDelay: false,
    async prepare(queue) {
      const created = await client.send(new CreateQueueCommand({ QueueName: queueNameOf(queue) }));
      queueUrls.set(queue, created.QueueUrl!);
    },
    async enqueueOne(queue, job) {
      await client.send(new SendMessageCommand({ QueueUrl: urlOf(queue), MessageBody: encodeJob(job) }));
    },
    async enqueueMany(queue, jobs) {
      const bodies = jobs.map(encodeJob);
      await Promise.all(
        chunk(bodies, maxBatch, maxBatchBytes, (body) => Buffer.byteLength(body)).map((part) =>
          client.send(new SendMessageBatchCommand({ QueueUrl: urlOf(queue), Entries: part.map((body, index) => ({ Id: String(index), MessageBody: body })) })),
        ),
      );
    },
    async consume(queue, concurrency, handler) {
      // A scale-out worker consumes a queue another process created.
      const queueUrl = queueUrls.get(queue) ?? (await client.send(new GetQueueUrlCommand({ QueueName: queueNameOf(queue) }))).QueueUrl!;
      return startClaimLoop<{ body: string; handle: string }>({
        concurrency,
        loops: Math.ceil(concurrency / maxBatch),
        maxClaim: maxBatch,
        async claim(max, signal) {
          const received = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: max, WaitTimeSeconds: 1, VisibilityTimeout: 30 }), { abortSignal: signal });
          return (received.Messages ?? []).map((message) => ({ body: message.Body!, handle: message.ReceiptHandle! }));
        },
        run: async (message) => handler(decodeJob(message.body)),
        ack: (message) => deleteLater(queueUrl, message.handle),
      });
    },
    shape: (concurrency) => ({
      concurrency,
      prefetch: concurrency,
      ackOverlapsReceive: true,
      settings: { receiveLoops: Math.ceil(concurrency / maxBatch), maxNumberOfMessages: maxBatch, waitTimeSeconds: 1, deletes: "DeleteMessageBatch per tick" },
    }),
    async close() {
      await Promise.all([...queueUrls.values()].map((queueUrl) => client.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => {})));
      client.destroy();
    },
  };
}

/**
 * Node CPU per job of a bulk enqueue (calls of 100, as the bench's bulk column) through Hopper's SQS backend
 * and through the raw client's SendMessageBatch, with no network and no server: the SDK's request handler is
 * replaced by one that answers each call at once with a well-formed reply. What is left is the client side
 * alone (Hopper's envelope and enqueue path, the SDK's serialization, signing, parsing and MD5 checks), which a
 * loaded machine's wall clock and the emulator's share of the two cores hide. Not a throughput figure.
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/sqs-client-cpu.ts
 * PROBE_PROFILE=<out.cpuprofile> also profiles 40,000 more jobs through Hopper.
 * PROBE_LEVERS=1 adds variants that split the gap: the raw client sending bodies the size and shape of Hopper's
 * envelopes (what the SDK costs per byte), and both with the SDK's MD5 checks of sent bodies off (`md5: false`).
 */
import { SQSClient, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { createHash, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { createHopper, Job } from "@hopper/core";
import { createSqsBackend } from "@hopper/sqs";
const md5 = (s: string) => createHash("md5").update(s).digest("hex");
/** Answers SendMessageBatch (every entry successful, its body's MD5 right), GetQueueUrl/CreateQueue and GetQueueAttributes. */
const handler = {
  async handle(request: { body: string; headers: Record<string, string> }) {
    const target = request.headers["x-amz-target"] ?? "";
    let out: unknown = {};
    if (target.endsWith("SendMessageBatch")) {
      const body = JSON.parse(String(request.body));
      out = { Successful: body.Entries.map((e: any) => ({ Id: e.Id, MessageId: randomUUID(), MD5OfMessageBody: md5(e.MessageBody), ...(e.MessageAttributes && { MD5OfMessageAttributes: "0".repeat(32) }) })), Failed: [] };
    } else if (target.endsWith("GetQueueUrl") || target.endsWith("CreateQueue")) out = { QueueUrl: "http://127.0.0.1:1/000000000000/q" };
    else if (target.endsWith("GetQueueAttributes")) out = { Attributes: { MaximumMessageSize: "1048576" } };
    return { response: { statusCode: 200, headers: { "content-type": "application/x-amz-json-1.0" }, body: Readable.from([Buffer.from(JSON.stringify(out))]) } };
  },
  updateHttpClientConfig() {},
  httpHandlerConfigs() { return {}; },
};
const clientOptions = { region: "us-east-1", endpoint: "http://127.0.0.1:1", credentials: { accessKeyId: "a", secretAccessKey: "b" }, requestHandler: handler as never };
const client = new SQSClient(clientOptions);
const noMd5Client = new SQSClient({ ...clientOptions, md5: false });
class Noop extends Job<{ sentAt: number; padding: string }> { static override jobName = "Noop"; async perform() {} }
const hopper = createHopper({ backend: createSqsBackend({ client }), jobs: [Noop], logger: { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: () => false } as never });
const noMd5Hopper = createHopper({ backend: createSqsBackend({ client: noMd5Client }), jobs: [Noop], logger: { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: () => false } as never });
const rawBody = () => JSON.stringify({ sentAt: Date.now() + Math.random(), padding: "" });
// The shape and size of the envelope Hopper writes for the same args.
const envelopeBody = () =>
  JSON.stringify({ hopper: 1, id: randomUUID(), job: "Noop", version: 1, args: { sentAt: Date.now() + Math.random(), padding: "" }, queue: "q", priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
const rawBatches = (sqs: SQSClient, body: () => string) => async () => {
  await Promise.all(Array.from({ length: 10 }, () => sqs.send(new SendMessageBatchCommand({ QueueUrl: "http://127.0.0.1:1/000000000000/q", Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: body() })) }))));
};
const variants: Record<string, () => Promise<void>> = {
  raw: rawBatches(client, rawBody),
  hopper: async () => { await hopper.enqueueAll(Noop, Array.from({ length: 100 }, () => ({ sentAt: Date.now() + Math.random(), padding: "" })), { queue: "q" }); },
  ...(process.env.PROBE_LEVERS && {
    "raw-envelope-bodies": rawBatches(client, envelopeBody),
    "raw-md5-off": rawBatches(noMd5Client, rawBody),
    "hopper-md5-off": async () => { await noMd5Hopper.enqueueAll(Noop, Array.from({ length: 100 }, () => ({ sentAt: Date.now() + Math.random(), padding: "" })), { queue: "q" }); },
  }),
};
async function run(name: string, n: number) {
  const cpu = process.cpuUsage();
  for (let done = 0; done < n; done += 100) await variants[name]!();
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / n;
}
for (const name of Object.keys(variants)) await run(name, 20000);
const results: Record<string, number[]> = {};
for (let round = 0; round < 7; round++) for (const name of Object.keys(variants)) (results[name] ??= []).push(await run(name, 20000));
 for (const [name, list] of Object.entries(results)) { list.sort((a, b) => a - b); console.log(name.padEnd(20), "median", list[3]!.toFixed(1), "µs/job", list.map((x) => x.toFixed(1)).join(" ")); }
if (process.env.PROBE_PROFILE) {
  const { Session } = await import("node:inspector/promises");
  const { writeFileSync } = await import("node:fs");
  const session = new Session(); session.connect();
  await session.post("Profiler.enable"); await session.post("Profiler.start");
  await run("hopper", 40000);
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(process.env.PROBE_PROFILE, JSON.stringify(profile));
}
await hopper.close();
await noMd5Hopper.close();

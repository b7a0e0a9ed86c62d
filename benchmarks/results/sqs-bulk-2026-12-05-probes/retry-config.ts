// Node CPU of SendMessageBatch under the SDK's retry settings (stub handler, no server). Copy into apps/bench/src/probe/ and run:
//   cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/retry-config.ts
import { SQSClient, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { createHash, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
const md5 = (s: string) => createHash("md5").update(s).digest("hex");
const handler = {
  async handle(request: { body: string; headers: Record<string, string> }) {
    const body = JSON.parse(String(request.body));
    const out = { Successful: body.Entries.map((e: any) => ({ Id: e.Id, MessageId: randomUUID(), MD5OfMessageBody: md5(e.MessageBody) })), Failed: [] };
    return { response: { statusCode: 200, headers: { "content-type": "application/x-amz-json-1.0" }, body: Readable.from([Buffer.from(JSON.stringify(out))]) } };
  },
  updateHttpClientConfig() {}, httpHandlerConfigs() { return {}; },
};
const base = { region: "us-east-1", endpoint: "http://127.0.0.1:1", credentials: { accessKeyId: "a", secretAccessKey: "b" }, requestHandler: handler as never };
const clients: Record<string, SQSClient> = { default: new SQSClient(base), "standard-5": new SQSClient({ ...base, retryMode: "standard", maxAttempts: 5 }), "maxAttempts-5": new SQSClient({ ...base, maxAttempts: 5 }), "standard": new SQSClient({ ...base, retryMode: "standard" }) };
const body = () => JSON.stringify({ sentAt: Date.now() + Math.random(), padding: "" });
async function run(c: SQSClient, n: number) { const cpu = process.cpuUsage(); for (let d = 0; d < n; d += 100) await Promise.all(Array.from({ length: 10 }, () => c.send(new SendMessageBatchCommand({ QueueUrl: "http://127.0.0.1:1/000000000000/q", Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: body() })) })))); const u = process.cpuUsage(cpu); return (u.user + u.system) / n; }
for (const c of Object.values(clients)) await run(c, 20000);
const r: Record<string, number[]> = {};
for (let k = 0; k < 7; k++) for (const [n, c] of Object.entries(clients)) (r[n] ??= []).push(await run(c, 20000));
for (const [n, l] of Object.entries(r)) { l.sort((a, b) => a - b); console.log(n.padEnd(14), l[3]!.toFixed(1), l.map((x) => x.toFixed(1)).join(" ")); }

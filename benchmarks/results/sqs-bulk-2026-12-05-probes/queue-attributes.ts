// The raw client into a plain queue and one made with Hopper's createQueues attributes; Node and fauxqs CPU per job.
// Copy into apps/bench/src/probe/ and run with this worktree's services env:
//   cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/queue-attributes.ts
import { CreateQueueCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { sqsEmulatorCpu } from "./sqs-server-cpu.js";
const endpoint = process.env.HOPPER_TEST_SQS_ENDPOINT!;
const server = sqsEmulatorCpu(`sqs://x/?endpoint=${endpoint}`)!;
const client = new SQSClient({ region: "us-east-1", endpoint });
const body = () => JSON.stringify({ hopper: 1, id: randomUUID(), job: "BenchNoop", version: 1, args: { sentAt: Date.now(), padding: "", seq: 1 }, queue: "q", priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
const queues: Record<string, string> = {};
const tag = Math.random().toString(36).slice(2, 8);
queues.plain = (await client.send(new CreateQueueCommand({ QueueName: `qa-${tag}-plain` }))).QueueUrl!;
queues.hopperAttrs = (await client.send(new CreateQueueCommand({ QueueName: `qa-${tag}-attrs`, Attributes: { MaximumMessageSize: "1048576", MessageRetentionPeriod: "345600" } }))).QueueUrl!;
async function run(url: string, n: number) {
  const s = server(); const c = process.cpuUsage(); const t = performance.now();
  for (let d = 0; d < n; d += 100) await Promise.all(Array.from({ length: 10 }, () => client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: body() })) }))));
  const u = process.cpuUsage(c);
  return `${((n / (performance.now() - t)) * 1000).toFixed(0)} jobs/s node ${((u.user + u.system) / n).toFixed(1)} server ${((server() - s) / n).toFixed(1)} µs/job`;
}
await run(queues.plain, 2000); await run(queues.hopperAttrs, 2000);
for (let r = 0; r < 4; r++) for (const [name, url] of Object.entries(queues)) console.log(name.padEnd(12), `load ${readFileSync("/proc/loadavg", "utf8").split(" ")[0]}`, await run(url, 10000));
client.destroy();

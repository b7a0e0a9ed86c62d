/**
 * Node CPU per job of Hopper's own bulk enqueue path on SQS (calls of 100: envelopes, the core's chunking, the
 * adapter's entries), with the SDK taken out: the backend gets a client whose `send` answers every SendMessageBatch
 * at once, successful, and GetQueueUrl/CreateQueue/GetQueueAttributes with fixed values. `sqs-client-cpu.ts` measures
 * the same with the SDK in; this one shows what Hopper's code alone costs (and what a change to it saves).
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/sqs-hopper-path-cpu.ts
 * Not a throughput figure.
 */
import type { SQSClient } from "@aws-sdk/client-sqs";
import { createHopper, Job } from "@hopper/core";
import { createSqsBackend } from "@hopper/sqs";

const client = {
  async send(command: { input: { Entries?: { Id: string }[] }; constructor: { name: string } }) {
    const name = command.constructor.name;
    if (name === "SendMessageBatchCommand") return { Successful: command.input.Entries!.map((entry) => ({ Id: entry.Id, MessageId: entry.Id })), Failed: [] };
    if (name === "GetQueueAttributesCommand") return { Attributes: { MaximumMessageSize: "1048576" } };
    return { QueueUrl: "http://127.0.0.1:1/000000000000/q" };
  },
  destroy() {},
} as unknown as SQSClient;
class Noop extends Job<{ sentAt: number; padding: string; seq: number }> {
  static override jobName = "Noop";
  async perform() {}
}
const hopper = createHopper({ backend: createSqsBackend({ client }), jobs: [Noop], logger: { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: () => false } as never });
let seq = 0;
async function run(jobs: number): Promise<number> {
  const cpu = process.cpuUsage();
  for (let done = 0; done < jobs; done += 100) await hopper.enqueueAll(Noop, Array.from({ length: 100 }, () => ({ sentAt: Date.now(), padding: "", seq: seq++ })), { queue: "q" });
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / jobs;
}
await run(50_000);
const runs: number[] = [];
for (let round = 0; round < 9; round++) runs.push(await run(50_000));
runs.sort((a, b) => a - b);
console.log(`hopper path, SDK out: median ${runs[4]!.toFixed(2)} µs/job (${runs.map((x) => x.toFixed(2)).join(" ")})`);
await hopper.close();

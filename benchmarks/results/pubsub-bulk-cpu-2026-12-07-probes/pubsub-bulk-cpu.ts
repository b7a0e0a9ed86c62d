/**
 * Node CPU per job of a bulk enqueue (calls of 100, the bench's bulk column) against the Pub/Sub emulator: the raw
 * client's publishMessage ×100 (batching 1,000 messages, 0 ms, as the bench's raw subject), Hopper's enqueueAll of
 * 100, and Hopper's backend.enqueue of 100 ready-made envelopes (the backend alone, without the core). Rounds
 * interleaved; medians of 7 rounds of 5,000 jobs after one warm-up round each. Wall time per job beside it.
 */
import { randomUUID } from "node:crypto";
import { PubSub } from "@google-cloud/pubsub";
import { createHopper, Job } from "@hopper/core";
import { createPubSubBackend } from "@hopper/pubsub";

const projectId = process.env.HOPPER_TEST_PUBSUB_PROJECT ?? "hopper-test";
const tag = `cpu${Date.now().toString(36)}`;
const pubsub = new PubSub({ projectId });
const [rawTopic] = await pubsub.createTopic(`${tag}-raw`);
await rawTopic.createSubscription(`${tag}-raw`);
rawTopic.setPublishOptions({ batching: { maxMessages: 1000, maxMilliseconds: 0 } });
class Noop extends Job<{ sentAt: number; padding: string }> {
  static override jobName = "Noop";
  async perform() {}
}
const silent = { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: () => false } as never;
const backend = createPubSubBackend({ projectId, topicPrefix: `${tag}-` });
const hopper = createHopper({ backend, jobs: [Noop], logger: silent });
const job = () => ({ sentAt: Date.now() + Math.random(), padding: "" });
const envelope = () => JSON.stringify({ hopper: 1, id: randomUUID(), job: "Noop", version: 1, args: job(), queue: "hop", priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
const variants: Record<string, () => Promise<unknown>> = {
  raw: () => Promise.all(Array.from({ length: 100 }, () => rawTopic.publishMessage({ data: Buffer.from(JSON.stringify(job())) }))),
  hopper: () => hopper.enqueueAll(Noop, Array.from({ length: 100 }, job), { queue: "hop" }),
  "raw-envelopes": () => Promise.all(Array.from({ length: 100 }, () => rawTopic.publishMessage({ data: Buffer.from(envelope()) }))),
  "raw-env+attr": () => Promise.all(Array.from({ length: 100 }, () => rawTopic.publishMessage({ data: Buffer.from(envelope()), attributes: { "hopper-id": randomUUID() } }))),
  "backend-only": () => backend.enqueue(Array.from({ length: 100 }, () => ({ id: randomUUID(), queue: "back", body: envelope() }))),
};
async function run(name: string, n: number): Promise<[number, number]> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let done = 0; done < n; done += 100) await variants[name]!();
  const used = process.cpuUsage(cpu);
  return [(used.user + used.system) / n, ((performance.now() - started) * 1000) / n];
}
for (const name of Object.keys(variants)) await run(name, 5000);
const results: Record<string, [number, number][]> = {};
for (let round = 0; round < 7; round++) for (const name of Object.keys(variants)) (results[name] ??= []).push(await run(name, 5000));
for (const [name, list] of Object.entries(results)) {
  const cpu = list.map((x) => x[0]).sort((a, b) => a - b);
  const wall = list.map((x) => x[1]).sort((a, b) => a - b);
  console.log(`${name.padEnd(14)} CPU median ${cpu[3]!.toFixed(1)} µs/job (${cpu.map((x) => x.toFixed(1)).join(" ")}); wall median ${wall[3]!.toFixed(1)} µs/job (${wall.map((x) => x.toFixed(1)).join(" ")})`);
}
await hopper.close();
await pubsub.close();

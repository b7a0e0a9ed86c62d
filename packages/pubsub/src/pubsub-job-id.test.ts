// Step one of sending jobs without the `hopper-id` attribute (it costs the publisher about as much as a small body's
// whole publish: benchmarks/results/pubsub-bulk-cpu-2026-12-07.md): a message without it is named by the envelope's
// id in its body, as SQS's are, so a later release may stop writing it once every worker reads this way.
import { PubSub, type Message } from "@google-cloud/pubsub";
import { createConsoleLogger, createHopper, encodeEnvelope, ENVELOPE_FORMAT_VERSION, Job } from "@hopper/core";
import { envelopeIdOf, type Backend, type ReceivedMessage } from "@hopper/core/backend";
import { afterEach, describe, expect, it } from "vitest";
import { createPubSubBackend } from "./pubsub-backend.js";
import { ID_ATTRIBUTE, jobIdOf } from "./pubsub-job-id.js";
import { emulatorProject } from "./test-pubsub-service.js";

const project = emulatorProject();
const envelopeOf = (id: string) => encodeEnvelope({ hopper: ENVELOPE_FORMAT_VERSION, id, job: "Mail", version: 1, args: { to: "a@example.com" }, queue: "q", priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });

// Backends and raw clients a test opened, closed after it.
const opened: Backend[] = [];
const clients: PubSub[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((backend) => backend.close()));
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

describe("jobIdOf", () => {
  it("takes the attribute first, then the envelope's id, then Pub/Sub's message id", () => {
    expect(jobIdOf("from-attribute", envelopeOf("from-body"), "pubsub-id")).toBe("from-attribute");
    expect(jobIdOf(undefined, envelopeOf("from-body"), "pubsub-id")).toBe("from-body");
    expect(jobIdOf(undefined, '{"not":"an envelope"}', "pubsub-id")).toBe("pubsub-id");
    expect(jobIdOf(undefined, "plain text", "pubsub-id")).toBe("pubsub-id");
    // A push body's attributes are whatever was sent: a value that is no string is no id.
    expect(jobIdOf(42, envelopeOf("from-body"), "pubsub-id")).toBe("from-body");
  });
});

describe.skipIf(!project)("a message without the hopper-id attribute, pulled from the emulator", () => {

  it("is named by its envelope's id, and a body that is no envelope by Pub/Sub's message id", async () => {
    const topicPrefix = `jobid${Date.now().toString(36)}-`;
    const backend = createPubSubBackend({ projectId: project!, topicPrefix });
    opened.push(backend);
    // Makes the topic and subscription, then empties it.
    await backend.enqueue([{ id: "warm", queue: "q", body: envelopeOf("warm") }]);
    for (const message of await backend.receive({ queue: "q", maxMessages: 10, waitMs: 2000, leaseMs: 30_000 })) await message.ack();
    const pubsub = new PubSub({ projectId: project! });
    clients.push(pubsub);
    const topic = pubsub.topic(`${topicPrefix}q`);
    await topic.publishMessage({ data: Buffer.from(envelopeOf("job-in-body")) });
    const foreignId = await topic.publishMessage({ data: Buffer.from("a foreign producer's text") });
    const received = [];
    for (let tries = 0; tries < 10 && received.length < 2; tries++) received.push(...(await backend.receive({ queue: "q", maxMessages: 10, waitMs: 1000, leaseMs: 30_000 })));
    expect(received.map((message) => message.id).sort()).toEqual(["job-in-body", foreignId].sort());
    await Promise.all(received.map((message) => message.ack()));
  });
});

// Step two: the jobs Hopper writes go without the attribute (the body names them); a body that is no envelope, or an
// envelope sent under another id, still carries it (the backend contract's id).
describe.skipIf(!project)("step two: what Hopper publishes", () => {

  /** A backend whose queue exists, and a second subscription on its topic that sees every message as published. */
  async function queueWithPeek(queue: string) {
    const topicPrefix = `steptwo${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}-`;
    const backend = createPubSubBackend({ projectId: project!, topicPrefix });
    opened.push(backend);
    await backend.enqueue([{ id: "warm", queue, body: envelopeOf("warm") }]);
    for (const message of await backend.receive({ queue, maxMessages: 10, waitMs: 2000, leaseMs: 30_000 })) await message.ack();
    const pubsub = new PubSub({ projectId: project! });
    clients.push(pubsub);
    const [peek] = await pubsub.topic(`${topicPrefix}${queue}`).createSubscription(`${topicPrefix}${queue}-peek`);
    const seen: Message[] = [];
    peek.on("message", (message: Message) => {
      seen.push(message);
      message.ack();
    });
    const peeked = async (count: number) => {
      for (let waited = 0; seen.length < count && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      await peek.close();
      return seen;
    };
    const received = async (count: number) => {
      const out: ReceivedMessage[] = [];
      for (let tries = 0; tries < 10 && out.length < count; tries++) out.push(...(await backend.receive({ queue, maxMessages: 10, waitMs: 1000, leaseMs: 30_000 })));
      await Promise.all(out.map((message) => message.ack()));
      return out.map((message) => message.id).sort();
    };
    return { backend, peeked, received };
  }

  it("jobs enqueued one and in bulk carry no hopper-id attribute, and are received under their envelope's id", async () => {
    const { backend, peeked, received } = await queueWithPeek("jobs");
    class Mail extends Job<{ n: number }> {
      static override queue = "jobs";
      async perform() {}
    }
    const hopper = createHopper({ backend, jobs: [Mail], logger: createConsoleLogger("silent") });
    const ids = [await hopper.enqueue(Mail, { n: 1 }), ...(await hopper.enqueueAll(Mail, [{ n: 2 }, { n: 3 }]))];
    const raw = await peeked(ids.length);
    expect(raw.map((message) => message.attributes)).toEqual([{}, {}, {}]);
    expect(raw.map((message) => envelopeIdOf(message.data.toString("utf8"))).sort()).toEqual([...ids].sort());
    expect(await received(ids.length)).toEqual([...ids].sort());
  });

  it("a body that is no envelope, and an envelope sent under another id, carry the attribute and come back with the id they were sent with", async () => {
    const { backend, peeked, received } = await queueWithPeek("raw");
    const results = await backend.enqueue([
      { id: "raw-id", queue: "raw", body: "{}" },
      { id: "outer-id", queue: "raw", body: envelopeOf("inner-id") },
      { id: "same-id", queue: "raw", body: envelopeOf("same-id") },
    ]);
    expect(results.map((result) => result.status)).toEqual(["enqueued", "enqueued", "enqueued"]);
    const raw = await peeked(3);
    expect(raw.map((message) => [envelopeIdOf(message.data.toString("utf8")) ?? message.data.toString("utf8"), message.attributes[ID_ATTRIBUTE]]).sort()).toEqual(
      [["{}", "raw-id"], ["inner-id", "outer-id"], ["same-id", undefined]].sort(),
    );
    expect(await received(3)).toEqual(["outer-id", "raw-id", "same-id"]);
  });
});

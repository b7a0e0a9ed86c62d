// Step one of sending jobs without the `hopper-id` attribute (it costs the publisher about as much as a small body's
// whole publish: benchmarks/results/pubsub-bulk-cpu-2026-12-07.md): a message without it is named by the envelope's
// id in its body, as SQS's are, so a later release may stop writing it once every worker reads this way.
import { PubSub } from "@google-cloud/pubsub";
import { encodeEnvelope, ENVELOPE_FORMAT_VERSION } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { afterEach, describe, expect, it } from "vitest";
import { createPubSubBackend } from "./pubsub-backend.js";
import { jobIdOf } from "./pubsub-receive.js";
import { emulatorProject } from "./test-pubsub-service.js";

const project = emulatorProject();
const envelopeOf = (id: string) => encodeEnvelope({ hopper: ENVELOPE_FORMAT_VERSION, id, job: "Mail", version: 1, args: { to: "a@example.com" }, queue: "q", priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });

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
  const opened: Backend[] = [];
  const clients: PubSub[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()));
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

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

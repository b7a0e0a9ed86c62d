// Found by the pull-path review of 2026-12-07: subscriptions were made with Pub/Sub's default expiration (deleted after
// 31 days with no reader, the backlog with them: `<queue>-dead` is read only by deadLetters()), and with `deadLetter`
// the `-undeliverable` topic had no subscription, so what Pub/Sub forwarded there was dropped.
import { PubSub } from "@google-cloud/pubsub";
import { afterEach, describe, expect, it } from "vitest";
import type { Backend } from "@hopper/core/backend";
import { createPubSubBackend } from "./pubsub-backend.js";
import { emulatorProject } from "./test-pubsub-service.js";

const project = emulatorProject();

describe.skipIf(!project)("Pub/Sub subscriptions Hopper creates", () => {
  const opened: Backend[] = [];
  const clients: PubSub[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()));
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  const prefix = () => `kept${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}-`;

  it("never expire, the queue's and its dead letters' alike", async () => {
    const topicPrefix = prefix();
    const backend = createPubSubBackend({ projectId: project!, topicPrefix });
    opened.push(backend);
    await backend.enqueue([{ id: "a", queue: "q", body: "{}" }]);
    await backend.enqueue([{ id: "b", queue: "q-dead", body: "{}" }]);
    const pubsub = new PubSub({ projectId: project! });
    clients.push(pubsub);
    for (const name of [`${topicPrefix}q`, `${topicPrefix}q-dead`]) {
      const [metadata] = await pubsub.subscription(name).getMetadata();
      // Set, without a ttl: never expires (unset means Pub/Sub's 31 days).
      expect({ name, policy: metadata.expirationPolicy }).toEqual({ name, policy: expect.objectContaining({ ttl: null }) });
    }
  });

  it("with deadLetter, keep what Pub/Sub forwards after the last delivery on a subscription of the undeliverable topic", async () => {
    const topicPrefix = prefix();
    const backend = createPubSubBackend({ projectId: project!, topicPrefix, deadLetter: { maxDeliveryAttempts: 5 } });
    opened.push(backend);
    await backend.enqueue([{ id: "poison", queue: "q", body: '{"poison":true}' }]);
    const pubsub = new PubSub({ projectId: project! });
    clients.push(pubsub);
    const [subscriptions] = await pubsub.topic(`${topicPrefix}q-undeliverable`).getSubscriptions();
    expect(subscriptions.map((subscription) => subscription.name.split("/").pop())).toEqual([`${topicPrefix}q-undeliverable`]);
    const [metadata] = await pubsub.subscription(`${topicPrefix}q-undeliverable`).getMetadata();
    expect(metadata.expirationPolicy).toEqual(expect.objectContaining({ ttl: null }));
  });
});

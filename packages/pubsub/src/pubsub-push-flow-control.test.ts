import { randomUUID } from "node:crypto";
import { createConsoleLogger, createHopper, createMemoryCoordinationStore, decodeEnvelope, encodeEnvelope, ENVELOPE_FORMAT_VERSION, Job, type Hopper, type JobContext } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPubSubPushHandler } from "./pubsub-push-handler.js";
import { createTestBackend, emulatorProject } from "./test-pubsub-service.js";

const project = emulatorProject();
const queue = `pushrate${Date.now().toString(36)}`;
const runs: number[] = [];

class Limited extends Job<Record<string, never>> {
  static override queue = queue;
  static override rateLimit = { limit: 1, per: "1h" };
  async perform(_args: Record<string, never>, context: JobContext) {
    runs.push(context.attempt);
  }
}

function push(deliveryAttempt: number): { id: string; json: string } {
  const id = randomUUID();
  const body = encodeEnvelope({ hopper: ENVELOPE_FORMAT_VERSION, id, job: "Limited", version: 1, args: {}, queue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
  const json = JSON.stringify({
    message: { data: Buffer.from(body).toString("base64"), attributes: {}, messageId: randomUUID(), publishTime: new Date().toISOString() },
    subscription: `projects/${project}/subscriptions/hopper-${queue}`,
    deliveryAttempt,
  });
  return { id, json };
}

describe.skipIf(!project)("Pub/Sub push: a rate-limited job is held without spending delivery attempts", () => {
  let backend: Backend;
  let hopper: Hopper;
  beforeAll(() => {
    backend = createTestBackend(project!);
    hopper = createHopper({ backend, jobs: [Limited], coordination: createMemoryCoordinationStore(), logger: createConsoleLogger("silent") });
  });
  afterAll(async () => {
    await hopper?.close();
  });

  it("acks (2xx) the held delivery and publishes a copy due later, with the same attempt", async () => {
    const handler = createPubSubPushHandler({ hopper, queue, insecureNoAuth: true, logger: createConsoleLogger("silent") });
    const post = (json: string) => handler(new Request("http://localhost/", { method: "POST", headers: { "content-type": "application/json" }, body: json }));
    expect((await post(push(1).json)).status).toBe(204);
    const held = push(2);
    expect((await post(held.json)).status).toBe(204);
    expect(runs).toEqual([1]);
    const [copy] = await backend.receive({ queue, maxMessages: 1, waitMs: 5000, leaseMs: 10_000 });
    expect(copy?.id).toBe(held.id);
    const envelope = decodeEnvelope(copy!.body);
    expect(envelope.attempt).toBe(2);
    expect(Date.parse(envelope.runAt!)).toBeGreaterThan(Date.now());
    await copy!.ack();
  });
});

describe.skipIf(!project)("Pub/Sub push: a paused queue's job is held without spending delivery attempts", () => {
  const pausedQueue = `pushpause${Date.now().toString(36)}`;
  const pausedRuns: number[] = [];
  class Pausable extends Job<Record<string, never>> {
    static override queue = pausedQueue;
    async perform(_args: Record<string, never>, context: JobContext) {
      pausedRuns.push(context.attempt);
    }
  }
  let backend: Backend;
  let hopper: Hopper;
  beforeAll(() => {
    backend = createTestBackend(project!);
    hopper = createHopper({ backend, jobs: [Pausable], coordination: createMemoryCoordinationStore(), logger: createConsoleLogger("silent"), pausedPushHold: "1s" });
  });
  afterAll(async () => {
    await hopper?.close();
  });

  it("acks (2xx) the paused delivery without running it, publishes a copy due later, and the copy runs after resume on the same attempt", async () => {
    const handler = createPubSubPushHandler({ hopper, queue: pausedQueue, insecureNoAuth: true, logger: createConsoleLogger("silent") });
    const post = (body: string, deliveryAttempt: number) =>
      handler(
        new Request("http://localhost/", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            message: { data: Buffer.from(body).toString("base64"), attributes: {}, messageId: randomUUID(), publishTime: new Date().toISOString() },
            subscription: `projects/${project}/subscriptions/hopper-${pausedQueue}`,
            deliveryAttempt,
          }),
        }),
      );
    await hopper.queues.pause(pausedQueue);
    const id = randomUUID();
    const body = encodeEnvelope({ hopper: ENVELOPE_FORMAT_VERSION, id, job: "Pausable", version: 1, args: {}, queue: pausedQueue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
    // The second delivery (one failed attempt before): the hold must neither run it nor spend another attempt.
    const postedAt = Date.now();
    expect((await post(body, 2)).status).toBe(204);
    expect(pausedRuns).toEqual([]);
    const [copy] = await backend.receive({ queue: pausedQueue, maxMessages: 1, waitMs: 5000, leaseMs: 10_000 });
    expect(copy?.id).toBe(id);
    const envelope = decodeEnvelope(copy!.body);
    expect(envelope.attempt).toBe(2);
    const runAt = Date.parse(envelope.runAt!);
    // Held for pausedPushHold (1 s) from when the handler took it: the receive above may itself take a while.
    expect(runAt).toBeGreaterThanOrEqual(postedAt + 1000);
    await copy!.ack();

    await hopper.queues.resume(pausedQueue);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, runAt - Date.now()) + 50));
    expect((await post(copy!.body, 1)).status).toBe(204);
    expect(pausedRuns).toEqual([2]);
  });
});

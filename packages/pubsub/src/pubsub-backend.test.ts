import { createConsoleLogger, createHopper, Job } from "@hopper/core";
import type { Backend, ReceivedMessage, ReceiveOptions } from "@hopper/core/backend";
import { v1 } from "@google-cloud/pubsub";
import { afterEach, describe, expect, it } from "vitest";
import { createPubSubBackend } from "./pubsub-backend.js";
import { createBackendFromUrl } from "./pubsub-url.js";
import { createTestBackend, emulatorProject } from "./test-pubsub-service.js";

const project = emulatorProject();

/** Counts deliveries per job id while passing everything through. */
function countingDeliveries(backend: Backend, deliveries: Map<string, number>): Backend {
  return {
    ...backend,
    async receive(options: ReceiveOptions): Promise<ReceivedMessage[]> {
      const messages = await backend.receive(options);
      for (const message of messages) deliveries.set(message.id, (deliveries.get(message.id) ?? 0) + 1);
      return messages;
    },
    enqueue: (messages) => backend.enqueue(messages),
    close: () => backend.close(),
  };
}

async function runDelayedJob(backend: Backend, waitMs: number): Promise<{ startedAt: number; runAt: number; deliveries: number }> {
  const queue = `delay${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
  let startedAt = 0;
  class Delayed extends Job<Record<string, never>> {
    static override queue = queue;
    async perform() {
      startedAt = Date.now();
    }
  }
  const deliveries = new Map<string, number>();
  const hopper = createHopper({ backend: countingDeliveries(backend, deliveries), jobs: [Delayed], logger: createConsoleLogger("silent") });
  const runAt = Date.now() + waitMs;
  const id = await Delayed.set({ waitUntil: new Date(runAt) }).performLater({});
  const worker = hopper.worker({ queues: [queue], concurrency: 2, pollWait: 500, lease: "10s", handleSignals: false });
  const running = worker.run();
  const deadline = Date.now() + waitMs + 20_000;
  while (startedAt === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await worker.stop({ timeout: 2000 });
  await running;
  await hopper.close();
  return { startedAt, runAt, deliveries: deliveries.get(id) ?? 0 };
}

describe.skipIf(!project)("Pub/Sub backend on the emulator", () => {
  const opened: Backend[] = [];
  const open = (backend: Backend) => (opened.push(backend), backend);
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()));
  });

  it("declares what Pub/Sub honours: no native delay, nack delay up to one ack deadline, no dedupe", () => {
    const backend = open(createTestBackend(project!));
    expect(backend.capabilities).toMatchObject({ delayedDelivery: false, nackDelay: { maxDelayMs: 600_000 }, deduplication: false, minLeaseMs: 10_000, leaseExtension: { maxLeaseMs: 600_000 }, ordering: false, deliveryAttempts: false });
    expect(open(createTestBackend(project!, { messageOrdering: true, deadLetter: { maxDeliveryAttempts: 5 } })).capabilities).toMatchObject({ ordering: true, deliveryAttempts: true });
  });

  // Found by the pull-path review of 2026-12-07: a 30-minute lease got a 600 s ack deadline, and the first renewal
  // (at 3/8 of 30 minutes) came after it ended: Pub/Sub redelivered, and two copies ran.
  it("refuses a worker lease above the 600 s ack deadline when the worker starts, naming worker.lease", async () => {
    const hopper = createHopper({ backend: open(createTestBackend(project!)), jobs: [], logger: createConsoleLogger("silent") });
    await expect(hopper.worker({ queues: ["q"], lease: "30m", handleSignals: false }).run()).rejects.toThrow(/worker\.lease: must be at most 600s on pubsub/);
  });

  it("refuses publish batching settings the client cannot honour, naming the field", () => {
    for (const publishBatching of [{ maxMessages: 0 }, { maxMessages: 1001 }, { maxMessages: 2.5 }, { maxMilliseconds: -1 }, { maxMilliseconds: Number.NaN }]) {
      expect(() => createPubSubBackend({ projectId: project!, publishBatching })).toThrow(/publishBatching\.max(Messages|Milliseconds)/);
    }
  });

  it("close while a receive is still creating its topic and subscription resolves that receive with nothing", async () => {
    const backend = createTestBackend(project!);
    // A queue never used before: the receive is still creating its resources when close() closes the client.
    const pending = backend.receive({ queue: `fresh${Date.now().toString(36)}`, maxMessages: 1, waitMs: 5000, leaseMs: 30_000 });
    await backend.close();
    await expect(pending).resolves.toEqual([]);
  });

  it("a delay within one ack-deadline step: held back once by a nack, run no sooner than runAt", { timeout: 40_000 }, async () => {
    const result = await runDelayedJob(open(createTestBackend(project!)), 1500);
    expect(result.startedAt).toBeGreaterThanOrEqual(result.runAt - 5);
    expect(result.deliveries).toBe(2);
  });

  it("a delay beyond one step (fake 2 s step): held back step by step, run no sooner than runAt", { timeout: 60_000 }, async () => {
    const result = await runDelayedJob(open(createTestBackend(project!, { maxNackDelayMs: 2000 })), 5000);
    expect(result.startedAt).toBeGreaterThanOrEqual(result.runAt - 5);
    // 5 s in steps of at most 2 s: at least three hold-backs before the run.
    expect(result.deliveries).toBeGreaterThanOrEqual(4);
  });

  it("publishes every message of a large batch and reports each one", async () => {
    const backend = open(createTestBackend(project!));
    const queue = `batch${Date.now().toString(36)}`;
    const messages = Array.from({ length: 1000 }, (_, index) => ({ id: `m${index}`, queue, body: `{"n":${index}}` }));
    const results = await backend.enqueue(messages);
    expect(results.map((result) => result.status)).toEqual(messages.map(() => "enqueued"));
    expect(results.map((result) => result.id)).toEqual(messages.map((message) => message.id));
  });

  it("an idle receive paces its pulls when the server answers empty ones at once (the emulator always does), rather than spinning", async () => {
    const backend = open(createTestBackend(project!));
    const queue = `idle${Date.now().toString(36)}`;
    await backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 30_000 });
    const pull = v1.SubscriberClient.prototype.pull;
    let pulls = 0;
    v1.SubscriberClient.prototype.pull = function (this: v1.SubscriberClient, ...args: Parameters<typeof pull>) {
      pulls += 1;
      return pull.apply(this, args);
    } as typeof pull;
    try {
      expect(await backend.receive({ queue, maxMessages: 10, waitMs: 1000, leaseMs: 30_000 })).toEqual([]);
    } finally {
      v1.SubscriberClient.prototype.pull = pull;
    }
    // Unpaced, the emulator's instant empty answers made hundreds of pulls a second (an idle worker's CPU and RSS).
    expect(pulls).toBeGreaterThan(1);
    expect(pulls).toBeLessThanOrEqual(15);
  });

  it("a message published while a paced receive waits still comes in that receive", async () => {
    const backend = open(createTestBackend(project!));
    const queue = `late${Date.now().toString(36)}`;
    await backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 30_000 });
    const receiving = backend.receive({ queue, maxMessages: 10, waitMs: 5000, leaseMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 700));
    await backend.enqueue([{ id: "late-1", queue, body: "{}" }]);
    const received = await receiving;
    expect(received.map((message) => message.id)).toEqual(["late-1"]);
    await received[0]!.ack();
  });

  it("with createTopics false, a queue without topic and subscription fails with a ConfigurationError naming the fix", async () => {
    const backend = open(createTestBackend(project!, { createTopics: false }));
    const [result] = await backend.enqueue([{ id: "x", queue: "missing", body: "{}" }]);
    expect(result).toMatchObject({ status: "failed" });
    expect(result?.status === "failed" && result.error.message).toContain("createTopics");
    await expect(backend.receive({ queue: "missing", maxMessages: 1, waitMs: 0, leaseMs: 10_000 })).rejects.toThrow(/gcloud pubsub subscriptions create/);
  });

  describe("with messageOrdering", () => {
    const keyed = (queue: string, key: string, count: number) => Array.from({ length: count }, (_, index) => ({ id: `${key}-${index + 1}`, queue, body: "{}", orderingKey: key }));
    const receiveAll = async (backend: Backend, queue: string, maxMessages: number, tries = 3) => {
      const received: ReceivedMessage[] = [];
      for (let attempt = 0; attempt < tries; attempt++) received.push(...(await backend.receive({ queue, maxMessages, waitMs: 700, leaseMs: 30_000 })));
      return received;
    };

    it("a second process gets nothing of a key while the first holds its head (Pub/Sub withholds it); the next goes out after the ack", { timeout: 30_000 }, async () => {
      const prefix = `o${Date.now().toString(36)}-`;
      const first = open(createPubSubBackend({ projectId: project!, topicPrefix: prefix, messageOrdering: true }));
      const second = open(createPubSubBackend({ projectId: project!, topicPrefix: prefix, messageOrdering: true }));
      const queue = "withheld";
      await first.enqueue(keyed(queue, "a", 3));
      const heads = await receiveAll(first, queue, 10);
      expect(heads.map((message) => message.id)).toEqual(["a-1"]);
      expect((await receiveAll(second, queue, 10)).map((message) => message.id)).toEqual([]);
      await heads[0]!.ack();
      const next = await receiveAll(first, queue, 10, 1);
      expect(next.map((message) => message.id)).toEqual(["a-2"]);
      await next[0]!.ack();
      expect((await receiveAll(first, queue, 10, 1)).map((message) => message.id)).toEqual(["a-3"]);
    });

    it("close gives the messages waiting behind a head back in order: another process starts again from the head", { timeout: 30_000 }, async () => {
      const prefix = `o${Date.now().toString(36)}-`;
      const first = createPubSubBackend({ projectId: project!, topicPrefix: prefix, messageOrdering: true });
      const second = open(createPubSubBackend({ projectId: project!, topicPrefix: prefix, messageOrdering: true }));
      const queue = "handback";
      await first.enqueue(keyed(queue, "a", 3));
      expect((await receiveAll(first, queue, 10)).map((message) => message.id)).toEqual(["a-1"]);
      await first.close();
      const seen: string[] = [];
      while (seen.length < 3) {
        const batch = await receiveAll(second, queue, 10, 4);
        expect(batch).toHaveLength(1);
        seen.push(batch[0]!.id);
        await batch[0]!.ack();
      }
      expect(seen).toEqual(["a-1", "a-2", "a-3"]);
    });

    it("a head whose lease ran out takes its line back: it comes again before anything behind it", { timeout: 60_000 }, async () => {
      const backend = open(createTestBackend(project!, { messageOrdering: true }));
      const queue = `lost${Date.now().toString(36)}`;
      await backend.enqueue(keyed(queue, "a", 2));
      const [head] = await backend.receive({ queue, maxMessages: 10, waitMs: 2000, leaseMs: 10_000 });
      expect(head?.id).toBe("a-1");
      const again: ReceivedMessage[] = [];
      const deadline = Date.now() + 40_000;
      while (again.length === 0 && Date.now() < deadline) again.push(...(await backend.receive({ queue, maxMessages: 10, waitMs: 1000, leaseMs: 30_000 })));
      expect(again.map((message) => message.id)).toEqual(["a-1"]);
      // The stale head's ack releases nothing; only the fresh delivery's ack lets a-2 out.
      await head!.ack();
      expect((await receiveAll(backend, queue, 10, 1)).map((message) => message.id)).toEqual([]);
      await again[0]!.ack();
      expect((await receiveAll(backend, queue, 10, 2)).map((message) => message.id)).toEqual(["a-2"]);
    });
  });

  it("pubsub://PROJECT URLs build a backend with their options", async () => {
    const backend = open(await createBackendFromUrl(new URL(`pubsub://${project}?topicPrefix=url-&messageOrdering=true&createTopics=false`)));
    expect(backend.capabilities.ordering).toBe(true);
    expect(() => createBackendFromUrl(new URL(`pubsub://${project}?createTopics=maybe`))).toThrow(/createTopics/);
    expect(() => createBackendFromUrl(new URL(`pubsub://${project}?topicprefix=url-`))).toThrow(/^url\.topicprefix: is not a pubsub:\/\/ URL parameter \(use topicPrefix, createTopics, messageOrdering\)$/);
    expect(() => createBackendFromUrl(new URL("pubsub://"))).toThrow(/name the project/);
    // Credentials in the URL are refused, not ignored for Application Default Credentials.
    expect(() => createBackendFromUrl(new URL(`pubsub://svc:t0ken@${project}`))).toThrow(/takes no credentials/);
  });
});

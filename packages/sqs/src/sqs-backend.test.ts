import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError, createConsoleLogger, createHopper, Job, PayloadTooLargeError, type JobContext } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { createSqsBackend, SQS_CAPABILITIES, SQS_MAX_MESSAGE_BYTES } from "./sqs-backend.js";
import { sqsOptionsFromUrl } from "./sqs-backend-url.js";
import { createTestBackend, sqsEndpoint } from "./test-sqs-service.js";

function unique(label: string): string {
  return `${label}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

describe("sqs:// URLs and options", () => {
  it("reads region, prefix and parameters", () => {
    expect(sqsOptionsFromUrl(new URL("sqs://eu-west-1/myapp-?endpoint=http://127.0.0.1:9324&createQueues=true&fifo=true&maxDelaySeconds=60"))).toEqual({
      region: "eu-west-1",
      queuePrefix: "myapp-",
      endpoint: "http://127.0.0.1:9324",
      createQueues: true,
      fifo: true,
      maxDelaySeconds: 60,
    });
    expect(sqsOptionsFromUrl(new URL("sqs://default"))).toEqual({});
  });

  it("refuses unknown parameters, bad booleans, bad prefixes and delay limits past SQS's, naming the field", () => {
    const fieldOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return ConfigurationError.isInstance(error) ? error.field : `not a ConfigurationError: ${String(error)}`;
      }
      return "no error";
    };
    expect(fieldOf(() => sqsOptionsFromUrl(new URL("sqs://us-east-1/p?wait=1")))).toBe("url.wait");
    // Keys in the URL are refused, not ignored for the SDK's default credentials; the message does not repeat them.
    expect(fieldOf(() => sqsOptionsFromUrl(new URL("sqs://AKIAEXAMPLE:wJalrSECRET@us-east-1/p")))).toBe("url");
    expect(() => sqsOptionsFromUrl(new URL("sqs://AKIAEXAMPLE:wJalrSECRET@us-east-1/p"))).not.toThrow(/wJalrSECRET/);
    expect(() => sqsOptionsFromUrl(new URL("sqs://AKIAEXAMPLE:wJalrSECRET@us-east-1/p"))).toThrow(/AWS_ACCESS_KEY_ID/);
    expect(fieldOf(() => sqsOptionsFromUrl(new URL("sqs://us-east-1/p?fifo=yes")))).toBe("url.fifo");
    expect(fieldOf(() => createSqsBackend({ region: "us-east-1", queuePrefix: "my.app" }))).toBe("queuePrefix");
    expect(fieldOf(() => createSqsBackend({ region: "us-east-1", maxDelaySeconds: 901 }))).toBe("maxDelaySeconds");
  });

  it("declares SQS's 1 MiB message limit, less the attributes it may carry", () => {
    expect(SQS_MAX_MESSAGE_BYTES).toBe(1_048_576);
    expect(SQS_CAPABILITIES.maxPayloadBytes).toBeLessThan(SQS_MAX_MESSAGE_BYTES);
    expect(SQS_CAPABILITIES.maxPayloadBytes).toBeGreaterThan(SQS_MAX_MESSAGE_BYTES - 1024);
    expect(SQS_CAPABILITIES.maxBatchSize).toBe(10);
    expect(SQS_CAPABILITIES.delayedDelivery).toEqual({ maxDelayMs: 900_000 });
  });
});

describe.skipIf(!sqsEndpoint)("sqs backend on the emulator", () => {
  const endpoint = sqsEndpoint!;
  const opened: Backend[] = [];
  const open = (options: Parameters<typeof createTestBackend>[1] = {}) => {
    const backend = createTestBackend(endpoint, options);
    opened.push(backend);
    return backend;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()));
  });

  it("an oversized job fails at enqueue with PayloadTooLargeError naming size and limit", async () => {
    const backend = open();
    const queue = unique("big");
    class Upload extends Job<{ data: string }> {
      static override queue = queue;
      async perform() {}
    }
    const hopper = createHopper({ backend, jobs: [Upload], logger: createConsoleLogger("silent") });
    const error = await hopper.enqueue(Upload, { data: "x".repeat(SQS_MAX_MESSAGE_BYTES) }).catch((caught: unknown) => caught);
    expect(PayloadTooLargeError.isInstance(error)).toBe(true);
    const { sizeBytes, limitBytes } = error as PayloadTooLargeError;
    expect(limitBytes).toBe(SQS_CAPABILITIES.maxPayloadBytes);
    expect(sizeBytes).toBeGreaterThan(SQS_MAX_MESSAGE_BYTES);
    expect((error as Error).message).toContain(`${sizeBytes} bytes`);
    expect((error as Error).message).toContain(`limit of ${limitBytes} bytes`);
  });

  it("a delay past the declared limit is carried hop by hop and runs no sooner than runAt", async () => {
    // A fake 1-second limit stands in for SQS's 15 minutes.
    const inner = open({ maxDelaySeconds: 1 });
    const queue = unique("hops");
    let sends = 0;
    const backend: Backend = { ...inner, enqueue: (messages) => ((sends += messages.filter((message) => message.queue === queue).length), inner.enqueue(messages)) };
    const started: number[] = [];
    class Later extends Job<Record<string, never>> {
      static override queue = queue;
      async perform(_args: Record<string, never>, context: JobContext) {
        started.push(context.attempt);
      }
    }
    const hopper = createHopper({ backend, jobs: [Later], logger: createConsoleLogger("silent") });
    const runAt = Date.now() + 3500;
    await hopper.enqueue(Later, {}, { waitUntil: new Date(runAt) });
    const worker = hopper.worker({ queues: [queue], pollWait: 1000, lease: "5s", handleSignals: false });
    const running = worker.run();
    const deadline = Date.now() + 20_000;
    while (started.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const ranAt = Date.now();
    await worker.stop({ timeout: 5000 });
    await running;
    expect(started).toEqual([1]);
    expect(ranAt).toBeGreaterThanOrEqual(runAt);
    // The first send carried at most 1 s of the delay; the rest took further hops.
    expect(sends).toBeGreaterThanOrEqual(3);
  });

  it("reports per-message failures of a batch and enqueues the rest", async () => {
    const backend = open();
    const queue = unique("partial");
    // U+FFFF is outside the characters SQS accepts.
    const results = await backend.enqueue([
      { id: "good-1", queue, body: "{}" },
      { id: "bad-1", queue, body: "\uffff" },
      { id: "good-2", queue, body: "{}" },
    ]);
    expect(results.map((result) => [result.id, result.status])).toEqual([["good-1", "enqueued"], ["bad-1", "failed"], ["good-2", "enqueued"]]);
    expect(results[1]!.status === "failed" && results[1]!.error.message).toContain("InvalidMessageContents");
  });

  it("a direct caller's send of one queue past SQS's 10 entries goes in chunks, each result in its message's place", async () => {
    const backend = open();
    const queue = unique("direct");
    const messages = Array.from({ length: 25 }, (_, n) => ({ id: `d${n}`, queue, body: n === 13 ? "\uffff" : `{"n":${n}}` }));
    const results = await backend.enqueue(messages);
    expect(results.map((result) => [result.id, result.status])).toEqual(messages.map((message, n) => [message.id, n === 13 ? "failed" : "enqueued"]));
    const received = await backend.receive({ queue, maxMessages: 25, waitMs: 2000, leaseMs: 30_000 });
    expect(received.map((message) => message.body).sort()).toEqual(messages.filter((_, n) => n !== 13).map((message) => message.body).sort());
    await Promise.all(received.map((message) => message.ack()));
  });

  it("one receive gathers more than SQS's 10 per call when the queue has them", async () => {
    const backend = open();
    const queue = unique("many");
    const messages = Array.from({ length: 25 }, (_, n) => ({ id: `m${n}`, queue, body: "{}" }));
    await Promise.all([backend.enqueue(messages.slice(0, 10)), backend.enqueue(messages.slice(10, 20)), backend.enqueue(messages.slice(20))]);
    const received = await backend.receive({ queue, maxMessages: 25, waitMs: 2000, leaseMs: 30_000 });
    expect(received.map((message) => message.id).sort()).toEqual(messages.map((message) => message.id).sort());
    await Promise.all(received.map((message) => message.ack()));
  });

  it("without createQueues a missing queue is a ConfigurationError saying how to fix it", async () => {
    const backend = open({ createQueues: false });
    const error = await backend.enqueue([{ id: "x", queue: unique("missing"), body: "{}" }]).catch((caught: unknown) => caught);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as ConfigurationError).field).toBe("createQueues");
    expect((error as Error).message).toMatch(/does not exist.*createQueues: true/);
  });

  it("FIFO: a duplicate within one batch is reported with the first job's id", async () => {
    const backend = open({ fifo: true });
    const queue = unique("dedupe");
    const results = await backend.enqueue([
      { id: "first", queue, body: "{}", dedupeKey: "same key, with spaces" },
      { id: "second", queue, body: "{}", dedupeKey: "same key, with spaces" },
    ]);
    expect(results).toEqual([{ status: "enqueued", id: "first" }, { status: "duplicate", id: "second", existingId: "first" }]);
  });
});

import { randomUUID } from "node:crypto";
import { CreateQueueCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper, EnqueueFailedError, Job, PayloadTooLargeError, UnrecoverableError, type Hopper, type Worker } from "@hopper/core";
import { createTestBackend, createTestClient, sqsEndpoint, testQueuePrefix } from "./test-sqs-service.js";

// A queue created (by infrastructure code) with SQS's old default limit, 256 KiB, not the 1 MiB the backend declares.
const queueLimit = 262_144;

describe.skipIf(!sqsEndpoint)("SQS queues whose MaximumMessageSize is below 1 MiB", () => {
  let client: SQSClient;
  const opened: Hopper[] = [];
  const workers: Worker[] = [];
  beforeAll(() => {
    client = createTestClient(sqsEndpoint!);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop({ timeout: 0 })));
    await Promise.all(opened.splice(0).map((hopper) => hopper.close()));
  });
  afterAll(() => client.destroy());

  /** A job class on a fresh queue whose SQS queue and dead-letter queue take at most 256 KiB. */
  const smallQueue = async () => {
    const queue = `small${randomUUID().slice(0, 8)}`;
    for (const name of [queue, `${queue}-dead`]) {
      await client.send(new CreateQueueCommand({ QueueName: `${testQueuePrefix}${name}`, Attributes: { MaximumMessageSize: String(queueLimit) } }));
    }
    class Blob extends Job<{ data: string }> {
      static override queue = queue;
      static override retry = { attempts: 1 };
      async perform(): Promise<void> {
        throw new UnrecoverableError("cannot process this blob");
      }
    }
    const hopper = createHopper({ backend: createTestBackend(sqsEndpoint!), jobs: [Blob], logger: createConsoleLogger("silent") });
    opened.push(hopper);
    return { queue, Blob, hopper };
  };

  it("refuses a job over the queue's own limit with PayloadTooLargeError naming that limit, and sends the rest of its batch", { timeout: 60_000 }, async () => {
    const { Blob, hopper } = await smallQueue();
    const big = { data: "x".repeat(300_000) };
    const refusal = await hopper.enqueue(Blob, big).then(() => undefined, (error: unknown) => error);
    expect(PayloadTooLargeError.isInstance(refusal)).toBe(true);
    expect((refusal as PayloadTooLargeError).limitBytes).toBeLessThanOrEqual(queueLimit);
    expect((refusal as Error).message).toContain(String((refusal as PayloadTooLargeError).limitBytes));

    const batch = [...Array.from({ length: 9 }, (_, index) => ({ data: `small ${index}` })), big];
    const failed = await hopper.enqueueAll(Blob, batch).then(() => undefined, (error: unknown) => error);
    expect(EnqueueFailedError.isInstance(failed)).toBe(true);
    expect((failed as EnqueueFailedError).enqueuedIds).toHaveLength(9);
    expect((failed as EnqueueFailedError).failures.map((failure) => [failure.index, PayloadTooLargeError.isInstance(failure.error)])).toEqual([[9, true]]);
  });

  it("writes the dead letter of a job near the queue's limit, cut to fit and marked as cut", { timeout: 90_000 }, async () => {
    const { queue, Blob, hopper } = await smallQueue();
    // Fits the queue; its dead letter (envelope, error, reason) would not, whole.
    await hopper.enqueue(Blob, { data: "x".repeat(261_600) });
    const worker = hopper.worker({ queues: [queue], pollWait: "1s", handleSignals: false });
    workers.push(worker);
    void worker.run();
    let deadLetters: Awaited<ReturnType<ReturnType<Hopper["deadLetters"]>["take"]>> = [];
    const deadline = Date.now() + 60_000;
    while (deadLetters.length === 0 && Date.now() < deadline) deadLetters = await hopper.deadLetters(queue).take({ waitMs: 2000 });
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ job: "Blob", reason: expect.stringContaining("unrecoverable") as unknown, error: { message: "cannot process this blob" } });
    expect(deadLetters[0]!.body).toMatch(/\[cut by hopper: \d+ characters? dropped to fit \d+ bytes\]$/);
  });
});

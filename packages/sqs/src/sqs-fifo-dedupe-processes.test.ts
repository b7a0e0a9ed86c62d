import { randomBytes } from "node:crypto";
import { createConsoleLogger, createHopper, createMemoryCoordinationStore, Job, type Hopper, type Logger } from "@hopper/core";
import { expectNothingFor, receiveMessages } from "@hopper/conformance";
import { afterEach, describe, expect, it } from "vitest";
import { createTestBackend, sqsEndpoint } from "./test-sqs-service.js";

/**
 * SQS FIFO answers a deduplicated send with the first message's MessageId, which
 * only the process that sent the first one can map to its job. Two Hoppers on
 * backends of their own stand for two processes; the coordination store they share
 * stands for a Redis or PostgreSQL one.
 */
describe.skipIf(!sqsEndpoint)("sqs fifo: a dedupe key sent again from another process", () => {
  const hoppers: Hopper[] = [];
  afterEach(async () => {
    await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
  });
  const queue = `dedupe-procs-${randomBytes(3).toString("hex")}`;
  class Deduped extends Job<{ from: string }> {
    static override queue = queue;
    async perform() {}
  }
  const open = (options: { coordination?: ReturnType<typeof createMemoryCoordinationStore>; logger?: Logger } = {}) => {
    const backend = createTestBackend(sqsEndpoint!, { fifo: true });
    const hopper = createHopper({ backend, jobs: [Deduped], logger: options.logger ?? createConsoleLogger("silent"), ...(options.coordination && { coordination: options.coordination }) });
    hoppers.push(hopper);
    return { hopper, backend };
  };

  it("answers the second process with the id of the job that runs, through the coordination store", async () => {
    const coordination = createMemoryCoordinationStore();
    const first = open({ coordination });
    const second = open({ coordination });
    const key = `report-${randomBytes(4).toString("hex")}`;
    const firstId = await first.hopper.enqueue(Deduped, { from: "first" }, { dedupeKey: key });
    const secondId = await second.hopper.enqueue(Deduped, { from: "second" }, { dedupeKey: key });
    expect(secondId).toBe(firstId);
    // Only the first job was sent, and only it is delivered.
    const received = await receiveMessages(first.backend, queue, 2, { timeoutMs: 3000 });
    expect(received.map((message) => message.id)).toEqual([firstId]);
    await Promise.all(received.map((message) => message.ack()));
    await expectNothingFor(first.backend, queue, 500);
  });

  it("without a coordination store, says once that a duplicate sent from another process cannot be told apart", async () => {
    const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
    const silent = createConsoleLogger("silent");
    const { hopper } = open({ logger: { ...silent, warn: (message, fields) => void warnings.push({ message, fields }) } });
    await hopper.enqueue(Deduped, { from: "alone" }, { dedupeKey: `a-${randomBytes(4).toString("hex")}` });
    await hopper.enqueue(Deduped, { from: "alone" }, { dedupeKey: `b-${randomBytes(4).toString("hex")}` });
    const said = warnings.filter((warning) => warning.message.includes("createHopper({ coordination })"));
    expect(said).toHaveLength(1);
    expect(said[0]!.message).toMatch(/another process/);
  });
});

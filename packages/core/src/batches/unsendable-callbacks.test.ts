import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createHopper, type Hopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger, type Logger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { takeAll } from "../test-fixtures/batch-jobs.js";

// A callback or next step whose args are over the backend's payload limit can never be sent: the job whose
// bookkeeping sends it must still end (it was redelivered for ever), and the workflow say what happened.

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

const oversized = "x".repeat(1_200_000); // over the memory backend's 1 MiB

function setup() {
  const queue = `unsendable-${randomUUID().slice(0, 8)}`;
  const errors: string[] = [];
  const logger: Logger = { ...createConsoleLogger("silent"), error: (message: string) => void errors.push(message) };
  class Member extends Job<{ n: number }> {
    static override queue = queue;
    static override jobName = `${queue}-member`;
    async perform() {}
  }
  class Report extends Job<{ text: string }> {
    static override queue = queue;
    static override jobName = `${queue}-report`;
    async perform() {}
  }
  const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Member, Report], logger });
  hoppers.push(hopper);
  const run = async () => {
    const outcomes = [];
    for (const message of await takeAll(hopper, queue)) outcomes.push((await hopper.runMessage({ queue, body: message.body, id: message.id, deliveryAttempt: 1 })).status);
    return outcomes;
  };
  return { hopper, Member, Report, run, errors };
}

describe("a workflow's job too large for the backend", () => {
  it("a batch callback: the last job still ends, the callback is marked unsendable and logged, the others still sent", async () => {
    const { hopper, Member, Report, run, errors } = setup();
    const batch = await hopper.batch({ onSuccess: [Report, { text: oversized }], onComplete: [Report, { text: "small" }] });
    await batch.add(Member, { n: 1 });
    await batch.seal();
    expect(await run()).toEqual(["done"]);
    expect((await batch.status()).callbacks).toEqual({ onSuccess: "unsendable", onComplete: "enqueued" });
    expect(errors.some((message) => /could never be sent/.test(message))).toBe(true);
    // The one callback that could be sent runs.
    expect(await run()).toEqual(["done"]);
  });

  it("a chain's next step: the step before still ends, and the chain stops there", async () => {
    const { hopper, Member, Report, run } = setup();
    const chain = await hopper.chain([Member, { n: 1 }], [Report, { text: oversized }], [Member, { n: 2 }]);
    expect(await run()).toEqual(["done"]);
    expect(await chain.status()).toMatchObject({ state: "stopped", stoppedAt: 1, steps: [{ state: "succeeded" }, { state: "dead" }, { state: "waiting" }] });
    expect(await run()).toEqual([]);
  });
});

/**
 * createHopper({ compactEnvelopes }): new jobs' bodies leave out the envelope's default fields (docs/envelope.md), and
 * read back the same as the full form.
 */
import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../errors/configuration-error.js";
import { createHopper } from "../hopper.js";
import { Job, type JobContext } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { envelopeIdOf } from "./envelope-id.js";
import { decodeEnvelope, encodeCompactEnvelope, encodeEnvelope, ENVELOPE_FORMAT_VERSION, type Envelope } from "./envelope.js";

const plain: Envelope = {
  hopper: ENVELOPE_FORMAT_VERSION,
  id: "0192f0c4-1d3e-7c1a-9a57-3f1c2b9d8e01",
  job: "SendWelcomeEmail",
  version: 1,
  args: { userId: "42" },
  queue: "mailers",
  priority: 0,
  enqueuedAt: "2026-12-06T10:00:00.000Z",
  attempt: 1,
  meta: {},
};

describe("encodeCompactEnvelope", () => {
  it("leaves out exactly the fields that hold their defaults, and decodes to the same envelope", () => {
    const body = encodeCompactEnvelope(plain);
    expect(Object.keys(JSON.parse(body) as object)).toEqual(["hopper", "id", "job", "args", "queue", "enqueuedAt"]);
    expect(decodeEnvelope(body)).toEqual(plain);
    expect(body.length).toBeLessThan(encodeEnvelope(plain).length - 40);
    // Its start is encodeEnvelope's, so a backend that names a message before decoding it reads the id cheaply.
    expect(body.startsWith(`{"hopper":1,"id":"${plain.id}"`)).toBe(true);
    expect(envelopeIdOf(body)).toBe(plain.id);
  });

  it("keeps every field that differs from its default", () => {
    const full: Envelope = { ...plain, version: 3, priority: -5, attempt: 2, meta: { traceparent: "00-abc-def-01" }, runAt: "2026-12-06T10:05:00.000Z", orderingKey: "account-1", timeoutMs: 5000 };
    expect(decodeEnvelope(encodeCompactEnvelope(full))).toEqual(full);
  });
});

describe("createHopper({ compactEnvelopes })", () => {
  class Greet extends Job<{ name: string }> {
    static override queue = "compact";
    static override retry = { attempts: 2, wait: 10, jitter: 0 };
    static runs: { name: string; attempt: number }[] = [];
    async perform(args: { name: string }, context: JobContext) {
      Greet.runs.push({ name: args.name, attempt: context.attempt });
      if (context.attempt === 1 && args.name === "flaky") throw new Error("first attempt fails");
    }
  }

  it("enqueues bodies without the default fields, and a worker runs and retries them", async () => {
    const backend = createMemoryBackend();
    const hopper = createHopper({ backend, jobs: [Greet], logger: createConsoleLogger("silent"), compactEnvelopes: true });
    try {
      await Greet.performLater({ name: "ada" });
      const [message] = await backend.receive({ queue: "compact", maxMessages: 1, waitMs: 0, leaseMs: 30_000 });
      expect(Object.keys(JSON.parse(message!.body) as object)).toEqual(["hopper", "id", "job", "args", "queue", "enqueuedAt"]);
      await message!.nack({ countAttempt: false });
      await Greet.performAllLater([{ name: "flaky" }, { name: "bob" }]);
      Greet.runs = [];
      const worker = hopper.worker({ queues: ["compact"], concurrency: 2, handleSignals: false });
      const running = worker.run();
      for (let wait = 0; wait < 500 && Greet.runs.length < 4; wait++) await new Promise((resolve) => setTimeout(resolve, 10));
      await worker.stop();
      await running;
      expect(Greet.runs.map((run) => `${run.name}:${run.attempt}`).sort()).toEqual(["ada:1", "bob:1", "flaky:1", "flaky:2"]);
    } finally {
      await hopper.close();
    }
  });

  it("refuses a value that is not a boolean, naming the option", () => {
    let error: unknown;
    try {
      createHopper({ backend: createMemoryBackend(), jobs: [], compactEnvelopes: "yes" as unknown as boolean });
    } catch (caught) {
      error = caught;
    }
    expect(ConfigurationError.isInstance(error) && error.field).toBe("compactEnvelopes");
  });
});

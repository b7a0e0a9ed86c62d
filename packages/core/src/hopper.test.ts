import { afterEach, describe, expect, it } from "vitest";
import { createHopper, type Hopper } from "./hopper.js";
import { Job, type JobContext } from "./job.js";
import { createConsoleLogger } from "./logger.js";
import { createMemoryBackend } from "./memory/memory-backend.js";
import { ConfigurationError } from "./errors/configuration-error.js";
import { JobValidationError } from "./errors/job-validation-error.js";
import { decodeEnvelope } from "./envelope/envelope.js";
import { z } from "zod";

const silent = createConsoleLogger("silent");
const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

class Email extends Job<{ to: string }, string> {
  static override queue = "hopper-test-mail";
  async perform(args: { to: string }, context: JobContext) {
    return `sent to ${args.to} on attempt ${context.attempt}`;
  }
}

function hopperWith(jobs: Parameters<typeof createHopper>[0]["jobs"], store = "hopper-test"): Hopper {
  const hopper = createHopper({ backend: createMemoryBackend({ store }), jobs, logger: silent });
  hoppers.push(hopper);
  return hopper;
}

async function withHopperUrl(value: string | undefined, run: () => Promise<void>): Promise<void> {
  const previous = process.env.HOPPER_URL;
  if (value === undefined) delete process.env.HOPPER_URL;
  else process.env.HOPPER_URL = value;
  try {
    await run();
  } finally {
    if (previous === undefined) delete process.env.HOPPER_URL;
    else process.env.HOPPER_URL = previous;
  }
}

async function rejection(promise: Promise<unknown>): Promise<ConfigurationError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  if (!ConfigurationError.isInstance(error)) throw new Error(`expected a ConfigurationError, got ${String(error)}`);
  return error;
}

describe("enqueueing", () => {
  it("performLater, set().performLater and performAllLater return the job ids they enqueued", async () => {
    const hopper = hopperWith([Email], "ids");
    const single = await Email.performLater({ to: "a@x" });
    const delayed = await Email.set({ wait: "5m", priority: 3 }).performLater({ to: "b@x" });
    const bulk = await Email.performAllLater([{ to: "c@x" }, { to: "d@x" }]);
    const backend = await hopper.backend;
    const received = await backend.receive({ queue: "hopper-test-mail", maxMessages: 10, waitMs: 0, leaseMs: 1000 });
    expect(received.map((message) => message.id).sort()).toEqual([single, ...bulk].sort());
    const envelope = decodeEnvelope(received[0]!.body);
    expect(envelope).toMatchObject({ hopper: 1, job: "Email", version: 1, queue: "hopper-test-mail", attempt: 1 });
    expect(await backend.stats!("hopper-test-mail")).toMatchObject({ delayed: 1 });
    expect(delayed).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("performNow runs in process and returns the id and result", async () => {
    hopperWith([Email], "now");
    const { jobId, result } = await Email.performNow({ to: "z@x" });
    expect(result).toBe("sent to z@x on attempt 1");
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("runs enqueue and perform middleware around the work, outermost first", async () => {
    const calls: string[] = [];
    const hopper = hopperWith([Email], "middleware");
    hopper.use({
      async enqueue(context, next) {
        calls.push(`outer enqueue ${context.jobName}×${context.count}`);
        context.meta.traceparent = "00-trace-span-01";
        return next();
      },
      async perform(context, next) {
        calls.push(`outer perform ${context.meta.traceparent}`);
        const result = await next();
        calls.push("outer done");
        return result;
      },
    });
    hopper.use({ async perform(_context, next) { calls.push("inner perform"); return next(); } });
    await Email.performLater({ to: "m@x" });
    const worker = hopper.worker({ queues: ["hopper-test-mail"], pollWait: 50, handleSignals: false });
    const running = worker.run();
    while (!calls.includes("outer done")) await new Promise((resolve) => setTimeout(resolve, 10));
    await worker.stop();
    await running;
    expect(calls).toEqual(["outer enqueue Email×1", "outer perform 00-trace-span-01", "inner perform", "outer done"]);
  });

  it("validates args with the job's schema before enqueueing", async () => {
    class Typed extends Job<{ count: number }> {
      static override schema = z.object({ count: z.number().int() });
      async perform() {}
    }
    const hopper = hopperWith([Typed], "schema");
    const error = await Typed.performLater({ count: 1.5 }).catch((caught: unknown) => caught);
    expect(JobValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/invalid arguments for Typed: count:/);
    expect(await (await hopper.backend).stats!("default")).toMatchObject({ ready: 0 });
  });

  it.each([
    [{ wait: "5m", waitUntil: new Date() }, "options.wait", /either wait or waitUntil/],
    [{ wait: "whenever" }, "options.wait", /not a duration/],
    [{ wait: -5 }, "options.wait", /not a duration/],
    [{ waitUntil: new Date("nope") }, "options.waitUntil", /valid Date/],
    [{ priority: 5000 }, "options.priority", /from -1000 to 1000/],
    [{ queue: "a\"b" }, "options.queue", /not a valid queue name/],
    [{ queue: "x".repeat(64) }, "options.queue", /not a valid queue name/],
    [{ orderingKey: "" }, "options.orderingKey", /1 to 128 characters/],
    [{ dedupeKey: "k".repeat(129) }, "options.dedupeKey", /1 to 128 characters/],
    // PostgreSQL text cannot hold U+0000, and a lone surrogate does not survive UTF-8: refused on every backend alike.
    [{ orderingKey: "tenant\u0000a" }, "options.orderingKey", /U\+0000/],
    [{ dedupeKey: "tenant\ud800" }, "options.dedupeKey", /lone surrogate/],
    [{ delay: 5 }, "options.delay", /is not an enqueue option/],
  ])("refuses enqueue options %j", async (options, field, message) => {
    hopperWith([Email], "bad-options");
    const error = await rejection(Email.set(options as never).performLater({ to: "x" }));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it("refuses a unique key function that returns text no backend can store", async () => {
    class Keyed extends Job<{ tenant: string }> {
      static override queue = "bad-keys";
      static override unique = { key: (args: { tenant: string }) => args.tenant };
      async perform() {}
    }
    hopperWith([Keyed], "bad-keys");
    const error = await rejection(Keyed.performLater({ tenant: "a\u0000b" }));
    expect(error.field).toBe("Keyed.unique.key");
    expect(error.message).toMatch(/U\+0000/);
  });

  it("refuses a class that no Hopper registered", async () => {
    class Stray extends Job<unknown> {
      async perform() {}
    }
    expect(() => Stray.performLater({})).toThrow(/Stray is not registered with a Hopper: pass it in createHopper\(\{ jobs: \[Stray\] \}\)/);
  });
});

describe("configuration by URL", () => {
  it.each([
    ["not a url", /is not a URL/],
    ["ftp://example.com/queue", /no backend serves ftp:\/\/ URLs/],
  ])("refuses %s", async (url, message) => {
    const hopper = createHopper({ url, jobs: [], logger: silent });
    const error = await rejection(hopper.backend);
    expect(error.field).toBe("url");
    expect(error.message).toMatch(message);
  });

  it("never repeats a password from a URL in its errors", async () => {
    const hopper = createHopper({ url: "nosuch://user:s3cret@host/db", jobs: [], logger: silent });
    const error = await rejection(hopper.backend);
    expect(error.message).not.toContain("s3cret");
  });

  it("uses HOPPER_URL when url is left out, and memory:// only when named", async () => {
    await withHopperUrl("memory://from-env", async () => {
      const hopper = createHopper({ jobs: [Email], logger: silent });
      hoppers.push(hopper);
      expect((await hopper.backend).name).toBe("memory");
    });
    const named = createHopper({ url: "memory://", jobs: [Email], logger: silent });
    hoppers.push(named);
    expect((await named.backend).name).toBe("memory");
  });

  // createHopper({ url: process.env.REDIS_URL }) with the variable unset must not quietly keep jobs in memory.
  it.each([
    ["url given but undefined, even with HOPPER_URL set", { url: undefined }, "memory://would-hide-the-mistake"],
    ["url empty", { url: "" }, undefined],
    ["url blank", { url: "  " }, undefined],
    ["url not a string", { url: 6379 }, undefined],
    ["no url and no HOPPER_URL", {}, undefined],
    ["no url and HOPPER_URL empty", {}, ""],
  ])("refuses to start without a backend: %s", async (_label, urlOption, hopperUrl) => {
    await withHopperUrl(hopperUrl, async () => {
      let caught: unknown;
      try {
        hoppers.push(createHopper({ ...(urlOption as object), jobs: [Email], logger: silent }));
      } catch (error) {
        caught = error;
      }
      expect(ConfigurationError.isInstance(caught)).toBe(true);
      expect((caught as ConfigurationError).field).toBe("url");
      expect((caught as Error).message).toMatch(/HOPPER_URL/);
      expect((caught as Error).message).toMatch(/memory:\/\//);
    });
  });

  it.each([
    ["both url and backend", { url: "memory://", backend: createMemoryBackend() }, "url", /url or backend, not both/],
    ["a misspelt option", { url: "memory://", cordination: {} }, "cordination", /not an option of createHopper/],
  ])("refuses options it cannot have been meant: %s", (_label, options, field, message) => {
    let caught: unknown;
    try {
      hoppers.push(createHopper({ ...(options as object), jobs: [Email], logger: silent }));
    } catch (error) {
      caught = error;
    }
    expect(ConfigurationError.isInstance(caught)).toBe(true);
    expect((caught as ConfigurationError).field).toBe(field);
    expect((caught as Error).message).toMatch(message);
  });

  it("refuses a backend built for another contract version", async () => {
    const backend = { ...createMemoryBackend(), specificationVersion: "v0" } as never;
    expect(() => createHopper({ backend, jobs: [] })).toThrow(/contract "v0", but this @hopper\/core needs "v1"/);
  });
});

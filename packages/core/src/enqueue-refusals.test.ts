import { describe, expect, it } from "vitest";
import { createHopper } from "./hopper.js";
import { Job } from "./job.js";
import { createConsoleLogger } from "./logger.js";
import { createMemoryBackend } from "./memory/memory-backend.js";
import { ConfigurationError } from "./errors/configuration-error.js";

class Known extends Job<{ n: number }> {
  async perform() {}
}

class Stray extends Job<unknown> {
  async perform() {}
}

// hopper.enqueue on an open backend with records off returns the enqueue's own promise (no async frame of its
// own): what it refuses must still come as a rejection, never as a throw out of the call.
describe("enqueue refusals on an open backend", () => {
  it("rejects, never throws, for a class this Hopper does not know, for bad options and for bad args", async () => {
    const hopper = createHopper({ backend: createMemoryBackend({ store: `refusals-${Math.random()}` }), jobs: [Known], logger: createConsoleLogger("silent") });
    await hopper.backend;
    await hopper.enqueue(Known, { n: 1 }); // open, and the path warm

    const calls = [
      () => hopper.enqueue(Stray, {}),
      () => hopper.enqueueAll(Stray, [{}]),
      () => hopper.enqueue(Known, { n: 2 }, { wait: "soon" } as never),
      () => hopper.enqueue(Known, { n: 3 }, { color: "red" } as never),
      () => hopper.enqueueAll(Known, "not a list" as never),
    ];
    for (const call of calls) {
      let promise: Promise<unknown> | undefined;
      expect(() => (promise = call())).not.toThrow();
      const error = await promise!.then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(ConfigurationError.isInstance(error)).toBe(true);
    }
    await hopper.close();
  });
});

describe("a concurrency key the worker could not compute", () => {
  it("rejects the enqueue, naming the key, rather than dead-letter every such job in the worker", async () => {
    class Sync extends Job<{ accountId: unknown }> {
      static override concurrency = { key: (args: { accountId: unknown }) => args.accountId as string, limit: 1 };
      async perform() {}
    }
    const hopper = createHopper({ backend: createMemoryBackend({ store: `concurrency-key-${Math.random()}` }), jobs: [Sync], logger: createConsoleLogger("silent") });
    try {
      await expect(Sync.performLater({ accountId: 42 })).rejects.toSatisfy((error) => ConfigurationError.isInstance(error) && error.field === "Sync.concurrency.key");
      await expect(Sync.performLater({ accountId: "acme" })).resolves.toBeTypeOf("string");
    } finally {
      await hopper.close();
    }
  });
});

import { describe, expect, it } from "vitest";
import { ConfigurationError } from "./errors/configuration-error.js";
import { createHopper, type HopperOptions } from "./hopper.js";
import { Job } from "./job.js";
import { createConsoleLogger } from "./logger.js";
import { createMemoryBackend } from "./memory/memory-backend.js";

class Noop extends Job<Record<string, never>> {
  async perform() {}
}

function fieldRefused(options: Partial<HopperOptions>): string | undefined {
  try {
    createHopper({ backend: createMemoryBackend(), jobs: [Noop], ...options } as HopperOptions);
  } catch (error) {
    if (ConfigurationError.isInstance(error)) return `${error.field}: ${error.message}`;
    throw error;
  }
  return undefined;
}

// A jobs module's options come from JavaScript as often as from TypeScript: a default-import slip gives undefined.
describe("createHopper's logger and middleware", () => {
  it("refuses a logger without all four levels, naming what is missing (a worker would dead-letter every job at its first debug line)", () => {
    expect(fieldRefused({ logger: { info: console.log, error: console.error } as never })).toMatch(/^logger: .*debug.*warn/);
    expect(fieldRefused({ logger: {} as never })).toMatch(/^logger: /);
    expect(fieldRefused({ logger: "console" as never })).toMatch(/^logger: /);
    expect(fieldRefused({ logger: createConsoleLogger("silent") })).toBeUndefined();
    expect(fieldRefused({ logger: console })).toBeUndefined();
  });

  it("refuses middleware that is not a list of layers with enqueue and perform functions, naming the entry", () => {
    expect(fieldRefused({ middleware: [undefined] as never })).toMatch(/^middleware\[0\]: /);
    expect(fieldRefused({ middleware: [{}, { perform: "yes" }] as never })).toMatch(/^middleware\[1\]\.perform: /);
    expect(fieldRefused({ middleware: [{ beforeExit: true }] as never })).toMatch(/^middleware\[0\]\.beforeExit: .*must be a function async \(\) => …, got boolean/);
    expect(fieldRefused({ middleware: {} as never })).toMatch(/^middleware: /);
    expect(fieldRefused({ middleware: [{ perform: async (_context: unknown, next: () => Promise<unknown>) => next() }] })).toBeUndefined();
  });

  it("refuses the same in use(), before a job meets it", async () => {
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Noop], logger: createConsoleLogger("silent") });
    try {
      expect(() => hopper.use(undefined as never)).toThrow(/middleware/);
      expect(() => hopper.use({ enqueue: 1 } as never)).toThrow(/enqueue/);
      // A job still runs: nothing refused was kept.
      await Noop.performNow({});
    } finally {
      await hopper.close();
    }
  });
});

describe("use() once a worker was made", () => {
  it("is refused: the worker took its perform hooks when it was made, and the layer would wrap enqueues only", async () => {
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Noop], logger: createConsoleLogger("silent") });
    try {
      hopper.use({ perform: async (_context, next) => next() });
      hopper.worker({ handleSignals: false });
      expect(() => hopper.use({ perform: async (_context, next) => next() })).toThrow(/^middleware: use\(\) after hopper\.worker\(\): a worker takes its middleware when it is made/);
    } finally {
      await hopper.close();
    }
  });
});

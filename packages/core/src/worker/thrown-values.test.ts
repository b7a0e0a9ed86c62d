// Whatever a job throws, its failure follows the retry policy and ends in a dead letter. Some values made the retry
// decision, the log line or the dead letter throw in turn: the message was never settled, and the job ran again at
// every lease, for ever.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { createHopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { until } from "../test-fixtures/until.js";

const hostile: Record<string, () => unknown> = {
  "a BigInt": () => 10n,
  "a cycle": () => {
    const value: Record<string, unknown> = { message: "cycle" };
    value.self = value;
    return value;
  },
  "an object without a prototype": () => Object.create(null),
  "an object whose toString throws": () => ({ toString: () => { throw new Error("no text"); } }),
  "an object whose getter throws": () => ({ get message(): string { throw new Error("getter"); } }),
  "an Error whose name throws": () => Object.defineProperty(new Error("x"), "name", { get: () => { throw new Error("name getter"); } }),
  "a Proxy whose traps throw": () => new Proxy({}, { get: () => { throw new Error("trap"); }, has: () => { throw new Error("trap"); }, getPrototypeOf: () => { throw new Error("trap"); }, ownKeys: () => { throw new Error("trap"); } }),
  "a revoked Proxy": () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  },
};

beforeEach(() => void vi.spyOn(console, "error").mockImplementation(() => {}));
afterEach(() => vi.restoreAllMocks());

it.each(Object.keys(hostile))("a job that throws %s is retried by its policy, then dead-lettered, with the default logger", { timeout: 20_000 }, async (kind) => {
  let runs = 0;
  class Thrower extends Job<Record<string, never>> {
    static override queue = `thrown-${kind.replace(/\W+/g, "-")}-${Date.now().toString(36)}`;
    static override retry = { attempts: 2, wait: 10 };
    async perform() {
      runs += 1;
      throw hostile[kind]!();
    }
  }
  const hopper = createHopper({ url: `memory://${Thrower.queue}`, jobs: [Thrower], logger: createConsoleLogger("info") });
  await Thrower.performLater({});
  const worker = hopper.worker({ handleSignals: false, pollWait: "20ms", lease: "300ms" });
  const running = worker.run();
  try {
    await until(async () => (await hopper.queues.list())[0]?.dead === 1, "the dead letter", 10_000);
  } finally {
    await worker.stop();
    await running;
  }
  const [letter] = await hopper.deadLetters(Thrower.queue).peek();
  await hopper.close();
  expect(runs).toBe(2);
  expect(typeof letter?.error.message).toBe("string");
});

it("a job's ctx.logger takes fields JSON cannot hold (a BigInt, a cycle) without throwing into the job", async () => {
  const lines: string[] = [];
  vi.mocked(console.error).mockImplementation((line: string) => void lines.push(line));
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const logger = createConsoleLogger("info");
  expect(() => logger.warn("totals", { order: { total: 12n } })).not.toThrow();
  expect(() => logger.warn("cycle", { cycle })).not.toThrow();
  expect(lines[0]).toBe('[hopper] warn totals {"order":{"total":"12n"}}');
  expect(lines[1]).toMatch(/^\[hopper\] warn cycle .*Circular/);
});

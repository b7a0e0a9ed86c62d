import { inspect } from "node:util";
import { diag, DiagLogLevel, type DiagLogger } from "@opentelemetry/api";
import { ConfigurationError, createConsoleLogger, createHopper, Job } from "@hopper/core";
import { afterAll, describe, expect, it } from "vitest";
import { observeQueueDepth } from "./queue-depth.js";
import { metricTotal, startTestSdk } from "./test-telemetry-sdk.js";

const sdk = startTestSdk();
const silentDiag: DiagLogger = { error() {}, warn() {}, info() {}, debug() {}, verbose() {} };
afterAll(() => sdk.shutdown());

class Waiting extends Job<{ n: number }> {
  static override jobName = "Waiting";
  static override queue = "waiting";
  async perform() {}
}

describe("observeQueueDepth", () => {
  it("reports ready and delayed jobs from the backend's stats at each collection, until stopped", async () => {
    const hopper = createHopper({ url: "memory://otel-queue-depth", jobs: [Waiting], logger: createConsoleLogger("silent") });
    await Waiting.performAllLater([{ n: 1 }, { n: 2 }]);
    await Waiting.set({ wait: "1h" }).performLater({ n: 3 });
    const observing = await observeQueueDepth({ hopper, queues: ["waiting"], meterProvider: sdk.meterProvider });
    const depth = (state: string) => sdk.metrics().then((points) => metricTotal(points, "hopper.queue.depth", { "hopper.queue.state": state, "messaging.destination.name": "waiting", "messaging.system": "hopper_memory" }));
    expect([await depth("ready"), await depth("delayed"), await depth("in_flight")]).toEqual([2, 1, 0]);
    await Waiting.performLater({ n: 4 });
    expect(await depth("ready")).toBe(3);
    observing.stop();
    await hopper.close();
  });

  it("a failed collection warns through OpenTelemetry's diag without the credentials the driver's error quoted", async () => {
    const secret = "Sup3rSecretValue";
    const failing = { name: "redis", stats: async () => Promise.reject(new Error(`connect ECONNREFUSED for redis://default:${secret}@cache:6379`)) };
    const warnings: unknown[][] = [];
    diag.setLogger({ ...silentDiag, warn: (...args: unknown[]) => void warnings.push(args) }, DiagLogLevel.WARN);
    try {
      const observing = await observeQueueDepth({ hopper: { backend: Promise.resolve(failing) } as never, queues: ["down"], meterProvider: sdk.meterProvider });
      await sdk.metrics();
      observing.stop();
    } finally {
      diag.disable();
    }
    expect(warnings).toHaveLength(1);
    const printed = inspect(warnings[0], { depth: 5 });
    expect(printed).toContain("hopper.queue.depth: stats for queue down failed");
    expect(printed).toContain("redis://***@cache:6379");
    expect(printed).not.toContain(secret);
  });

  it("refuses a misspelt option, naming it", async () => {
    const hopper = createHopper({ url: "memory://otel-queue-depth-misspelt", jobs: [Waiting], logger: createConsoleLogger("silent") });
    await expect(observeQueueDepth({ hopper, queues: ["waiting"], meterprovider: sdk.meterProvider } as never)).rejects.toThrow(/^meterprovider: "meterprovider" is not an option of observeQueueDepth\(\): use one of hopper, queues, meterProvider$/);
    await hopper.close();
  });

  it("refuses a call without queues, naming the field", async () => {
    const hopper = createHopper({ url: "memory://otel-queue-depth-refused", jobs: [Waiting], logger: createConsoleLogger("silent") });
    const error = await observeQueueDepth({ hopper, queues: [] }).catch((caught: unknown) => caught);
    expect(ConfigurationError.isInstance(error) && error.field).toBe("queues");
    await hopper.close();
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError } from "../errors/configuration-error.js";
import { createHopper, type Hopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";

const silent = createConsoleLogger("silent");
const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

class Report extends Job<{ accountId: string }> {
  static override queue = "coordination-default";
  static override unique = { key: (args: { accountId: string }) => args.accountId };
  async perform() {}
}
class Sync extends Job<{ accountId: string }> {
  static override queue = "coordination-default";
  static override concurrency = { key: (args: { accountId: string }) => args.accountId, limit: 1 };
  async perform() {}
}

/** A backend other processes could share (as Redis or SQS would be), with no coordination of its own. */
function sharedBackendHopper(): Hopper {
  const hopper = createHopper({ backend: createMemoryBackend({ store: "coordination-default", capabilities: { processLocal: false } }), jobs: [Report, Sync], logger: silent });
  hoppers.push(hopper);
  return hopper;
}

async function expectCoordinationRefused(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(ConfigurationError.isInstance(error)).toBe(true);
  expect((error as ConfigurationError).field).toBe("coordination");
  expect((error as Error).message).toMatch(/need a store every process shares.*createRedisCoordinationStore/);
}

describe("without a coordination store every process can share", () => {
  it("refuses unique jobs at enqueue", async () => {
    sharedBackendHopper();
    await expectCoordinationRefused(Report.performLater({ accountId: "a1" }));
  });

  it("refuses to start a worker that runs concurrency-limited jobs", async () => {
    const worker = sharedBackendHopper().worker({ queues: ["coordination-default"], handleSignals: false });
    await expectCoordinationRefused(worker.run());
  });

  it("stops a scheduler instead of enqueuing every tick in every process", async () => {
    const hopper = sharedBackendHopper();
    hopper.schedule("nightly-report", "* * * * * *", Report, { accountId: "all" });
    await expectCoordinationRefused(hopper.scheduler({ handleSignals: false }).run());
  });

  it("coordinates in process when the backend is process-local", async () => {
    const hopper = createHopper({ backend: createMemoryBackend({ store: "coordination-local" }), jobs: [Report], logger: silent });
    hoppers.push(hopper);
    const first = await Report.performLater({ accountId: "a1" });
    expect(await Report.performLater({ accountId: "a1" })).toBe(first);
  });
});

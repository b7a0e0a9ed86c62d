import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError } from "../errors/configuration-error.js";
import { createHopper, type Hopper } from "../hopper.js";
import { Job, type JobClass } from "../job.js";
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

class Nightly extends Job<{ accountId: string }> {
  static override queue = "coordination-default";
  async perform() {}
}

/** A backend other processes could share (as Redis or SQS would be), with no coordination of its own. */
function sharedBackendHopper(jobs: JobClass[] = [Report, Sync]): Hopper {
  const hopper = createHopper({ backend: createMemoryBackend({ store: "coordination-default", capabilities: { processLocal: false } }), jobs, logger: silent });
  hoppers.push(hopper);
  return hopper;
}

async function expectRefused(promise: Promise<unknown>, field: string, message: RegExp): Promise<void> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(ConfigurationError.isInstance(error)).toBe(true);
  expect((error as ConfigurationError).field).toBe(field);
  expect((error as Error).message).toMatch(message);
}

describe("without a coordination store every process can share", () => {
  // Jobs whose static options need the store refuse the backend as it opens, naming the job.
  it("refuses unique jobs at enqueue", async () => {
    sharedBackendHopper();
    await expectRefused(Report.performLater({ accountId: "a1" }), "Report.unique", /Report needs coordination \(from Report\.unique\).*createRedisCoordinationStore/);
  });

  it("refuses to start a worker that runs concurrency-limited jobs", async () => {
    const worker = sharedBackendHopper([Sync]).worker({ queues: ["coordination-default"], handleSignals: false });
    await expectRefused(worker.run(), "Sync.concurrency", /Sync needs coordination \(from Sync\.concurrency\)/);
  });

  // A recurring job is registered after the Hopper opens: the store refuses when the scheduler first needs it.
  it("stops a scheduler instead of enqueuing every tick in every process", async () => {
    const hopper = sharedBackendHopper([Nightly]);
    hopper.schedule("nightly-report", "* * * * * *", Nightly, { accountId: "all" });
    await expectRefused(hopper.scheduler({ handleSignals: false }).run(), "coordination", /need a store every process shares.*createRedisCoordinationStore/);
  });

  it("coordinates in process when the backend is process-local", async () => {
    const hopper = createHopper({ backend: createMemoryBackend({ store: "coordination-local" }), jobs: [Report], logger: silent });
    hoppers.push(hopper);
    const first = await Report.performLater({ accountId: "a1" });
    expect(await Report.performLater({ accountId: "a1" })).toBe(first);
  });
});

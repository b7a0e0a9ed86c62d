// A workflow stores its callbacks' and steps' args when it is made; a later release, with a newer version of the job,
// sends them. They were sent as that newer version without its upgrades: new code got the old args' shape.
import { expect, it } from "vitest";
import { createMemoryCoordinationStore } from "../coordination/memory-coordination-store.js";
import { createHopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { until } from "../test-fixtures/until.js";

it("a chain made by one release, its next step sent by a release with a newer version of the step's job: the args are upgraded", { timeout: 20_000 }, async () => {
  const scope = `workflow-versions-${Date.now().toString(36)}`;
  const coordination = createMemoryCoordinationStore();
  const backend = createMemoryBackend({ store: scope });
  const logger = createConsoleLogger("silent");
  class Extract extends Job<Record<string, never>> {
    static override queue = scope;
    async perform() {}
  }
  // Release 1: Notify takes { email }.
  class NotifyV1 extends Job<{ email: string }> {
    static override queue = scope;
    static override jobName = "Notify";
    async perform() {}
  }
  // Release 2: Notify takes { to: [email] }, with the upgrade from version 1.
  const received: unknown[] = [];
  class NotifyV2 extends Job<{ to: string[] }> {
    static override queue = scope;
    static override jobName = "Notify";
    static override version = 2;
    static override upgrades = { 1: (args: { email: string }) => ({ to: [args.email] }) };
    async perform(args: { to: string[] }) {
      received.push(args);
    }
  }
  const release1 = createHopper({ backend, coordination, jobs: [Extract, NotifyV1], logger });
  await release1.chain([Extract, {}], [NotifyV1, { email: "a@example.com" }]);

  const release2 = createHopper({ backend: createMemoryBackend({ store: scope }), coordination, jobs: [Extract, NotifyV2], logger });
  const worker = release2.worker({ handleSignals: false, pollWait: 20 });
  const running = worker.run();
  try {
    await until(() => received.length === 1, "the chain's second step", 10_000);
  } finally {
    await worker.stop();
    await running;
    await release2.close();
    // Last: a Hopper closes the coordination store it was given.
    await release1.close();
  }
  expect(received).toEqual([{ to: ["a@example.com"] }]);
});

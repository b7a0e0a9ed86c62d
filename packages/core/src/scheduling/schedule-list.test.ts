import { afterEach, expect, it } from "vitest";
import { createMemoryCoordinationStore } from "../coordination/memory-coordination-store.js";
import { createHopper, type Hopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";

class Digest extends Job<{ kind: string }> {
  static override queue = "digests";
  async perform() {}
}

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

it("lists the registered recurring jobs with their queue, next tick on the store's clock and last enqueued tick", async () => {
  const now = Date.parse("2026-03-01T10:07:30.000Z");
  const coordination = createMemoryCoordinationStore({ now: () => now });
  const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Digest], coordination, logger: createConsoleLogger("silent") });
  hoppers.push(hopper);
  expect(await hopper.schedules.list()).toEqual([]);
  hopper.schedule("hourly-digest", "0 * * * *", Digest, { kind: "hourly" });
  hopper.schedule("paris-morning", "0 8 * * *", Digest, { kind: "morning" }, { timezone: "Europe/Paris", enqueue: { queue: "mornings" } });
  expect(await hopper.schedules.list()).toEqual([
    { name: "hourly-digest", cron: "0 * * * *", timezone: "UTC", job: "Digest", queue: "digests", lastTickAt: null, nextTickAt: "2026-03-01T11:00:00.000Z" },
    { name: "paris-morning", cron: "0 8 * * *", timezone: "Europe/Paris", job: "Digest", queue: "mornings", lastTickAt: null, nextTickAt: "2026-03-02T07:00:00.000Z" },
  ]);
  // The scheduler's mark is what "last" reads: a tick enqueued by any process sharing the store.
  await hopper.enqueueRecurring("hourly-digest", { scheduledAt: new Date("2026-03-01T10:00:00.000Z") });
  expect((await hopper.schedules.list())[0]!.lastTickAt).toBe("2026-03-01T10:00:00.000Z");
});

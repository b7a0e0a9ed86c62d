import { createConsoleLogger, createHopper, Job } from "@hopper/core";
import { describe, expect, it } from "vitest";
import { postgresTargets } from "./test-postgres-targets.js";

// The enqueue writes its records in its own statement, whose notification CTE runs only because the statement
// references it: a statement reshaped without that reference would insert the records and tell no subscriber. (#20)
describe.each(postgresTargets())("$name: an enqueue with records", (target) => {
  it("notifies a subscriber of each record it inserts, single and bulk, without and with dedupe keys", { timeout: 60_000 }, async () => {
    class Mailer extends Job<{ n: number }> {
      static override jobName = "Mailer";
      static override queue = "record-enqueue-events";
      async perform(): Promise<void> {}
    }
    const hopper = createHopper({ backend: await target.createBackend(), jobs: [Mailer], logger: createConsoleLogger("silent"), records: {} });
    try {
      const heard = new Set<string>();
      const stop = await hopper.events.on("job-enqueue", (event) => void heard.add(event.id));
      const ids = [await Mailer.performLater({ n: 1 }), ...(await Mailer.performAllLater([{ n: 2 }, { n: 3 }, { n: 4 }]))];
      ids.push(await Mailer.performLater({ n: 5 }, { dedupeKey: "five" }));
      await expect.poll(() => ids.filter((id) => heard.has(id)).length, { timeout: 10_000 }).toBe(ids.length);
      await stop();
    } finally {
      await hopper.close();
    }
  });
});

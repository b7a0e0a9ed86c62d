import { createHopper, Job } from "@hopper/core";
import { describe, expect, it } from "vitest";
import { postgresTargets, silentLogger } from "./test-postgres-targets.js";

// The review of 2026-12-08: hopper.events on PostgreSQL went silent for good once its LISTEN connection dropped (a
// server restart, a failover, pg_terminate_backend): nothing listened again.
for (const target of postgresTargets().filter((candidate) => candidate.name === "postgres")) {
  describe(`hopper.events on ${target.name}`, () => {
    it("hears events again after its listening connection was terminated", { timeout: 60_000 }, async () => {
      class Signup extends Job<{ n: number }> {
        static override jobName = "EventsReconnectSignup";
        static override queue = "events-reconnect";
        async perform(): Promise<void> {}
      }
      const hopper = createHopper({ backend: await target.createBackend(), jobs: [Signup], logger: silentLogger, records: {} });
      try {
        const heard = new Set<string>();
        const stop = await hopper.events.on("job-enqueue", (event) => void heard.add(event.id));
        const before = await Signup.performLater({ n: 1 });
        await expect.poll(() => heard.has(before), { timeout: 10_000 }).toBe(true);
        const listening = `LISTEN "hopper_${target.schema}_records"`;
        const terminated = await target.query("SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE query = $1", [listening]);
        expect(terminated).toEqual([{ done: true }]);
        // Events sent while it reconnects may be missed (docs/guarantees.md); one sent after it must be heard.
        const after: string[] = [];
        await expect
          .poll(async () => {
            after.push(await Signup.performLater({ n: 2 }));
            return after.some((id) => heard.has(id));
          }, { timeout: 20_000, interval: 1000 })
          .toBe(true);
        await stop();
      } finally {
        await hopper.close();
      }
    });
  });
}

import { createHopper, Job } from "@hopper/core";
import { describe, expect, it } from "vitest";
import { openedPerTest, postgresTargets, silentLogger as silent, uniqueQueue, type PostgresTarget } from "./test-postgres-targets.js";

for (const target of postgresTargets()) {
  describe(`worker stop() on ${target.name}`, () => {
    // No polling to speak of, so the worker's wait ends only when stop() aborts it.
    const open = openedPerTest(target, { pollIntervalMs: 600_000 });

    it("resolves only when nothing is in flight: a row claimed after the abort is handed back, never run", { timeout: 60_000 }, async () => {
      const queue = uniqueQueue("stop");
      const started: string[] = [];
      class Record extends Job<{ n: number }> {
        static override queue = queue;
        async perform(args: { n: number }) {
          started.push(`job ${args.n}`);
        }
      }
      const backend = await open();
      const hopper = createHopper({ backend, jobs: [Record], logger: silent });
      await Record.performLater({ n: 1 });
      // Hidden from the worker's first claim; later made due without a NOTIFY, so only a claim after the abort can see it.
      await target.query(`UPDATE "${target.schema}".messages SET run_at = now() + interval '1 hour' WHERE queue = $1`, [queue]);
      const worker = hopper.worker({ queues: [queue], pollWait: "60s", handleSignals: false });
      const running = worker.run();
      // The worker's first claim found nothing once the wait has begun; any later wake-up comes only from stop().
      await waitForListeningReceive(target);
      await target.query(`UPDATE "${target.schema}".messages SET run_at = now() WHERE queue = $1`, [queue]);

      await worker.stop({ timeout: "10s" });
      const startedAtStop = [...started];
      await running;
      // Nothing may start once stop() has resolved; give a late start time to show itself.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(started).toEqual(startedAtStop);
      const rows = await target.query<{ leased: boolean }>(`SELECT locked_until IS NOT NULL AND locked_until > now() AS leased FROM "${target.schema}".messages WHERE queue = $1`, [queue]);
      // Run and acked (no row), or handed back (a row nobody leases): never left leased by the stopped worker.
      if (startedAtStop.length === 0) expect(rows).toEqual([{ leased: false }]);
      else expect(rows).toEqual([]);
      await hopper.close();
    });
  });
}

/** Resolves once the backend has opened its LISTEN connection, which a waiting receive does first. */
async function waitForListeningReceive(target: PostgresTarget): Promise<void> {
  if (target.name === "postgres") {
    const deadline = Date.now() + 20_000;
    for (;;) {
      // This schema's channel only: other test files run beside this one on the same server.
      const [row] = await target.query<{ listening: boolean }>(
        `SELECT count(*) > 0 AS listening FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN %' AND position($1 in query) > 0`,
        [`hopper_${target.schema}`],
      );
      if (row?.listening) break;
      if (Date.now() > deadline) throw new Error("the worker never started listening");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  // The first claim follows the LISTEN within a round trip; one more moment lets it finish before the row becomes due.
  await new Promise((resolve) => setTimeout(resolve, 500));
}

import { ConfigurationError, createHopper, Job } from "@hopper/core";
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

// The review of 2026-12-08: with `maxConnections: 2` the queue wake-ups and hopper.events each held one of the two
// connections for good, and every claim and enqueue then waited on the pool for ever.
for (const target of postgresTargets().filter((candidate) => candidate.name === "postgres")) {
  describe(`hopper.events on a small pool on ${target.name}`, () => {
    it("refuses to subscribe on a backend pool of 2, naming maxConnections, and the backend keeps working", { timeout: 60_000 }, async () => {
      class Tiny extends Job<{ n: number }> {
        static override jobName = "EventsTinyPool";
        static override queue = "events-tiny-pool";
        async perform(): Promise<void> {}
      }
      const backend = await target.createBackend({ maxConnections: 2 });
      const hopper = createHopper({ backend, jobs: [Tiny], logger: silentLogger, records: {} });
      try {
        const refusal = await hopper.events.on("*", () => {}).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(ConfigurationError.isInstance(refusal)).toBe(true);
        expect(refusal).toMatchObject({ field: "maxConnections", message: expect.stringMatching(/at least 3/) });
        // Refused before it held anything: enqueues and receives still get connections.
        const id = await Tiny.performLater({ n: 1 });
        const [message] = await backend.receive({ queue: "events-tiny-pool", maxMessages: 1, waitMs: 5000, leaseMs: 30_000 });
        expect(message?.id).toBe(id);
        await message!.ack();
      } finally {
        await hopper.close();
      }
    });
  });
}

import { createHopper, Job } from "@hopper/core";
import { describe, expect, it } from "vitest";
import { openedPerTest, postgresTargets, silentLogger as silent, uniqueQueue } from "./test-postgres-targets.js";

class RecordSignup extends Job<{ userId: string }> {
  static override queue = "signups";
  async perform() {}
}

const empty = { ready: 0, delayed: 0, inFlight: 0 };

for (const target of postgresTargets()) {
  describe(`transactional enqueue on ${target.name}`, () => {
    // No polling to speak of: only the NOTIFY sent at commit can wake a receiver in time.
    const open = openedPerTest(target, { pollIntervalMs: 600_000 });

    it("performLater inside the caller's transaction is invisible until commit, then delivered", async () => {
      const backend = await open();
      createHopper({ backend, jobs: [RecordSignup], logger: silent });
      const queue = uniqueQueue();
      let committing = false;
      let receivedWhileOpen: string[] | undefined;
      let receiving: Promise<string[]> | undefined;

      const jobId = await target.transaction(async (client) => {
        const id = await RecordSignup.set({ queue, transaction: client }).performLater({ userId: "42" });
        receiving = backend.receive({ queue, maxMessages: 10, waitMs: 20_000, leaseMs: 30_000 }).then((messages) => {
          const ids = messages.map((message) => message.id);
          if (!committing) receivedWhileOpen = ids;
          return ids;
        });
        // Give a leaky implementation every chance to hand the job out before commit.
        await new Promise((resolve) => setTimeout(resolve, 500));
        committing = true;
        return id;
      });

      expect(receivedWhileOpen).toBeUndefined();
      expect(await receiving).toEqual([jobId]);
    });

    it("a rolled-back transaction leaves no job", async () => {
      const backend = await open();
      createHopper({ backend, jobs: [RecordSignup], logger: silent });
      const queue = uniqueQueue();
      const rollback = new Error("rolled back on purpose");
      await expect(
        target.transaction(async (client) => {
          await RecordSignup.set({ queue, transaction: client }).performAllLater([{ userId: "1" }, { userId: "2" }]);
          throw rollback;
        }),
      ).rejects.toBe(rollback);
      expect(await backend.receive({ queue, maxMessages: 10, waitMs: 300, leaseMs: 30_000 })).toEqual([]);
      expect(await backend.stats!(queue)).toEqual(empty);
    });

    it("a unique job enqueued in a rolled-back transaction leaves its key free; a committed one holds it", async () => {
      const backend = await open();
      const coordination = await target.createCoordinationStore();
      const queue = uniqueQueue();
      class UniqueSignup extends Job<{ userId: string }> {
        static override queue = queue;
        static override unique = { key: (args: { userId: string }) => args.userId, ttl: "1h" };
        async perform() {}
      }
      const hopper = createHopper({ backend, jobs: [UniqueSignup], coordination, logger: silent });
      try {
        const rollback = new Error("rolled back on purpose");
        await expect(target.transaction(async (client) => (await UniqueSignup.set({ transaction: client }).performLater({ userId: "7" }), Promise.reject(rollback)))).rejects.toBe(rollback);
        const afterRollback = await UniqueSignup.performLater({ userId: "7" });
        const committed = await target.transaction((client) => UniqueSignup.set({ transaction: client }).performLater({ userId: "8" }));
        expect(await UniqueSignup.performLater({ userId: "8" })).toBe(committed);
        const received = await backend.receive({ queue, maxMessages: 10, waitMs: 1000, leaseMs: 30_000 });
        expect(received.map((message) => message.id).sort()).toEqual([afterRollback, committed].sort());
      } finally {
        await coordination.close();
      }
    });

    it("refuses a transaction that is not a database client, naming the field", async () => {
      createHopper({ backend: await open(), jobs: [RecordSignup], logger: silent });
      await expect(RecordSignup.set({ queue: uniqueQueue(), transaction: { begin: true } }).performLater({ userId: "1" })).rejects.toThrow(/options\.transaction: must be a pg client/);
    });
  });
}

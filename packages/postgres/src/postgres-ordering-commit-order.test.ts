import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { openedPerTest, postgresTargets, uniqueQueue } from "./test-postgres-targets.js";

// The review of 2026-12-08: two transactions enqueueing one ordering key could commit in the other order than they
// took their seqs, so the later-seq job was claimed alone and then the earlier one beside it, two of a key at once.
// (PGlite runs one transaction at a time: the race needs two connections.)
for (const target of postgresTargets().filter((candidate) => candidate.name === "postgres")) {
  describe(`ordering keys across transactions on ${target.name}`, () => {
    const open = openedPerTest(target, { pollIntervalMs: 600_000 });

    it("a key's jobs enqueued in two transactions run one at a time, in the order their transactions let them exist", async () => {
      const backend = await open();
      const queue = uniqueQueue();
      const receive = async () => (await backend.receive({ queue, maxMessages: 10, waitMs: 300, leaseMs: 60_000 }));
      const leased: Awaited<ReturnType<typeof receive>> = [];
      let second: Promise<unknown> | undefined;
      await target.transaction(async (first) => {
        await backend.enqueue([{ id: "first", queue, body: "{}", orderingKey: "account-7" }], { transaction: first });
        second = target.transaction(async (client) => backend.enqueue([{ id: "second", queue, body: "{}", orderingKey: "account-7" }], { transaction: client }));
        // Whether the second enqueue can finish while the first transaction is open decides who commits first here.
        const finishedWhileFirstOpen = await Promise.race([second.then(() => true), sleep(500).then(() => false)]);
        if (finishedWhileFirstOpen) leased.push(...(await receive()));
      });
      await second;
      leased.push(...(await receive()));
      expect(leased.map((message) => message.id)).toEqual(["first"]);
      await leased[0]!.ack();
      expect((await receive()).map((message) => message.id)).toEqual(["second"]);
    });
  });
}

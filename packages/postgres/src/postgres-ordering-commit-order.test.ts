import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { openedPerTest, postgresTargets, uniqueQueue } from "./test-postgres-targets.js";

// The review of 2026-12-08: two transactions enqueueing one ordering key could commit in the other order than they
// took their seqs, so the later-seq job was claimed alone and then the earlier one beside it, two of a key at once
// (migration 10). (PGlite runs one transaction at a time: the race needs two connections.)
for (const target of postgresTargets().filter((candidate) => candidate.name === "postgres")) {
  describe(`ordering keys across transactions on ${target.name}`, () => {
    const open = openedPerTest(target, { pollIntervalMs: 600_000 });

    it("a key's jobs enqueued in two transactions that commit in the other order run one at a time, in commit order", async () => {
      const backend = await open();
      const queue = uniqueQueue();
      const receive = async () => await backend.receive({ queue, maxMessages: 10, waitMs: 300, leaseMs: 60_000 });
      const leased: Awaited<ReturnType<typeof receive>> = [];
      await target.transaction(async (first) => {
        // Takes the lower seq, commits last.
        await backend.enqueue([{ id: "first", queue, body: "{}", orderingKey: "account-7" }], { transaction: first });
        await target.transaction(async (client) => backend.enqueue([{ id: "second", queue, body: "{}", orderingKey: "account-7" }], { transaction: client }));
        leased.push(...(await receive()));
      });
      await sleep(100);
      // "first" is visible now, with the lower seq, while "second" is leased: it waits.
      leased.push(...(await receive()));
      expect(leased.map((message) => message.id)).toEqual(["second"]);
      await leased[0]!.ack();
      const [after] = await receive();
      expect(after?.id).toBe("first");
      await after!.ack();
    });
  });
}

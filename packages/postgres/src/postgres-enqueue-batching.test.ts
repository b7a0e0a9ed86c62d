import { ConfigurationError, createHopper, Job } from "@hopper/core";
import { countingBackend } from "@hopper/conformance";
import { describe, expect, it } from "vitest";
import { openedPerTest, postgresTargets, silentLogger as silent, uniqueQueue } from "./test-postgres-targets.js";

class Signup extends Job<{ n: number }> {
  static override queue = "signups";
  async perform() {}
}

for (const target of postgresTargets()) {
  describe(`natural batching of enqueues on ${target.name}`, () => {
    const open = openedPerTest(target);

    // Generous: the first test of the file also starts PGlite's WASM build and migrates.
    it("an enqueue inside a transaction is never sent with others: it rolls back alone, theirs stay", { timeout: 120_000 }, async () => {
      const counting = countingBackend(await open());
      createHopper({ backend: counting.backend, jobs: [Signup], logger: silent });
      const queue = uniqueQueue();
      const others = Promise.all(Array.from({ length: 20 }, (_, n) => Signup.set({ queue }).performLater({ n })));
      let transactionalId: string | undefined;
      const rollback = new Error("rolled back on purpose");
      const inTransaction = target.transaction(async (client) => {
        transactionalId = await Signup.set({ queue, transaction: client }).performLater({ n: 100 });
        throw rollback;
      });
      await expect(inTransaction).rejects.toBe(rollback);
      const otherIds = await others;

      // The others shared sends; the transaction's job went alone, on the caller's client.
      expect(Math.max(...counting.calls.map((call) => call.ids.length))).toBeGreaterThan(1);
      expect(counting.calls.filter((call) => call.transactional)).toEqual([{ ids: [transactionalId], transactional: true }]);
      expect(counting.calls.filter((call) => !call.transactional).flatMap((call) => call.ids).sort()).toEqual([...otherIds].sort());
      const stored = await target.query<{ id: string }>(`SELECT id FROM "${target.schema}".messages WHERE queue = $1`, [queue]);
      expect(stored.map((row) => row.id).sort()).toEqual([...otherIds].sort());
    });

    it("a message no backend can store fails only its own call, before it can share a send with others", async () => {
      const counting = countingBackend(await open());
      createHopper({ backend: counting.backend, jobs: [Signup], logger: silent });
      const queue = uniqueQueue();
      // PostgreSQL text cannot hold U+0000, which would fail the whole shared INSERT: the core refuses the key first.
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, n) => Signup.set({ queue, ...(n === 10 && { orderingKey: "bad\u0000key" }) }).performLater({ n })));

      const refused = outcomes[10]!;
      expect(refused.status).toBe("rejected");
      const error = (refused as PromiseRejectedResult).reason as ConfigurationError;
      expect(ConfigurationError.isInstance(error) && error.field).toBe("options.orderingKey");
      const otherIds = outcomes.flatMap((outcome, n) => (n === 10 ? [] : [(outcome as PromiseFulfilledResult<string>).value]));
      expect(otherIds).toHaveLength(19);
      expect(otherIds.every((id) => typeof id === "string")).toBe(true);
      expect(counting.calls.flatMap((call) => call.ids).sort()).toEqual([...otherIds].sort());
      const stored = await target.query<{ id: string }>(`SELECT id FROM "${target.schema}".messages WHERE queue = $1`, [queue]);
      expect(stored.map((row) => row.id).sort()).toEqual([...otherIds].sort());
    });
  });
}

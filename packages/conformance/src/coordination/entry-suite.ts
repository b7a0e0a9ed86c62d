import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CoordinationStore } from "@hopper/core";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sorted = (entries: readonly { member: string; value: string }[]) => [...entries].sort((a, b) => a.member.localeCompare(b.member));

/** `putEntry`/`listEntries`/`removeEntry` (v4) and `countEntries` (v5) on one store: the worker registry's roster, a batch's pending members. */
export function runEntrySuite(name: string, open: () => Promise<CoordinationStore>, sharedAcrossInstances: boolean): void {
  describe(`${name} entries`, () => {
    const key = () => `suite:entries:${randomUUID()}`;

    it("lists what was put, one value per member, the latest put winning", async () => {
      const store = await open();
      const roster = key();
      expect(await store.listEntries(roster)).toEqual([]);
      await store.putEntry(roster, "a", '{"n":1}', 10_000);
      await store.putEntry(roster, "b", "with: a colon", 10_000);
      await store.putEntry(roster, "a", '{"n":2}', 10_000);
      expect(sorted(await store.listEntries(roster))).toEqual([
        { member: "a", value: '{"n":2}' },
        { member: "b", value: "with: a colon" },
      ]);
      // Other keys are apart.
      expect(await store.listEntries(key())).toEqual([]);
    });

    it("drops an entry after its ttl unless put again, each member on its own", async () => {
      const store = await open();
      const roster = key();
      await store.putEntry(roster, "dead", "x", 300);
      await store.putEntry(roster, "alive", "y", 300);
      for (let step = 0; step < 4; step++) {
        await sleep(150);
        await store.putEntry(roster, "alive", `y${step}`, 300);
      }
      expect(await store.listEntries(roster)).toEqual([{ member: "alive", value: "y3" }]);
    });

    it("removes one member, and removing an absent one changes nothing", async () => {
      const store = await open();
      const roster = key();
      await store.putEntry(roster, "a", "1", 10_000);
      await store.putEntry(roster, "b", "2", 10_000);
      await store.removeEntry(roster, "a");
      await store.removeEntry(roster, "nobody");
      await store.removeEntry(key(), "a");
      expect(await store.listEntries(roster)).toEqual([{ member: "b", value: "2" }]);
    });

    it("counts live entries: a member put twice once, removed ones and expired ones not at all", async () => {
      const store = await open();
      const roster = key();
      expect(await store.countEntries(roster)).toBe(0);
      await Promise.all(["a", "b", "c", "a", "b"].map((member) => store.putEntry(roster, member, "v", 10_000)));
      expect(await store.countEntries(roster)).toBe(3);
      await store.removeEntry(roster, "b");
      await store.removeEntry(roster, "b");
      await store.removeEntry(roster, "nobody");
      expect(await store.countEntries(roster)).toBe(2);
      await store.putEntry(roster, "short", "v", 200);
      expect(await store.countEntries(roster)).toBe(3);
      await sleep(400);
      expect(await store.countEntries(roster)).toBe(2);
      // Expired, then put again: counted once more, and listed.
      await store.putEntry(roster, "short", "again", 10_000);
      expect(await store.countEntries(roster)).toBe(3);
      expect(sorted(await store.listEntries(roster)).map((entry) => entry.member)).toEqual(["a", "c", "short"]);
      await Promise.all(["a", "c", "short"].map((member) => store.removeEntry(roster, member)));
      expect(await store.countEntries(roster)).toBe(0);
      expect(await store.listEntries(roster)).toEqual([]);
    });

    it("keeps an entry whose put came after a shorter-lived one expired, and drops only the expired one", async () => {
      const store = await open();
      const roster = key();
      await store.putEntry(roster, "short", "x", 200);
      await sleep(300);
      await store.putEntry(roster, "long", "y", 10_000);
      expect(await store.listEntries(roster)).toEqual([{ member: "long", value: "y" }]);
      expect(await store.countEntries(roster)).toBe(1);
    });

    it.skipIf(!sharedAcrossInstances)("shows one store's entries to another on the same server", async () => {
      const [first, second] = [await open(), await open()];
      const roster = key();
      await first.putEntry(roster, "a", "1", 10_000);
      expect(await second.listEntries(roster)).toEqual([{ member: "a", value: "1" }]);
    });
  });
}

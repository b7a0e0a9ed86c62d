import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CoordinationStore } from "@hopper/core";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sorted = (entries: readonly { member: string; value: string }[]) => [...entries].sort((a, b) => a.member.localeCompare(b.member));

/** `putEntry`/`listEntries`/`removeEntry` (v4) on one store: the worker registry's roster. */
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

    it.skipIf(!sharedAcrossInstances)("shows one store's entries to another on the same server", async () => {
      const [first, second] = [await open(), await open()];
      const roster = key();
      await first.putEntry(roster, "a", "1", 10_000);
      expect(await second.listEntries(roster)).toEqual([{ member: "a", value: "1" }]);
    });
  });
}

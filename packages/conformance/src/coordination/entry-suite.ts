import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CoordinationStore } from "@hopper/core";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sorted = (entries: readonly { member: string; value: string }[]) => [...entries].sort((a, b) => a.member.localeCompare(b.member));

/** `putEntry`/`listEntries`/`removeEntry` (v4), `countEntries` (v5) and `holdEntries`/`unless` (v7) on one store: the worker registry's roster, a batch's pending members. */
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

    it("keeps a held key's entries past their own ttl until the hold ends, those put during it too (v7)", async () => {
      const store = await open();
      const pending = key();
      await store.putEntry(pending, "early", "x", 200);
      await store.holdEntries(pending, 900);
      // A shorter hold changes nothing: it never shortens one.
      await store.holdEntries(pending, 100);
      await store.putEntry(pending, "during", "y", 100);
      await sleep(400);
      expect(sorted(await store.listEntries(pending))).toEqual([
        { member: "during", value: "y" },
        { member: "early", value: "x" },
      ]);
      expect(await store.countEntries(pending)).toBe(2);
      // A held entry is still removed, and still put again.
      await store.removeEntry(pending, "during");
      await store.putEntry(pending, "early", "x2", 200);
      expect(await store.listEntries(pending)).toEqual([{ member: "early", value: "x2" }]);
      await sleep(800);
      // The hold ended: each entry's own ttl (long passed) counts again.
      expect(await store.countEntries(pending)).toBe(0);
      expect(await store.listEntries(pending)).toEqual([]);
    });

    it("holds a key with no entries yet, and holds only that key (v7)", async () => {
      const store = await open();
      const [held, other] = [key(), key()];
      await store.holdEntries(held, 800);
      await store.putEntry(held, "a", "1", 100);
      await store.putEntry(other, "a", "1", 100);
      await sleep(300);
      expect(await store.listEntries(held)).toEqual([{ member: "a", value: "1" }]);
      expect(await store.countEntries(other)).toBe(0);
      expect(await store.listEntries(other)).toEqual([]);
    });

    it("keeps a live entry of the value `unless` names, and replaces any other (v7)", async () => {
      const store = await open();
      const done = key();
      await store.putEntry(done, "job", "succeeded", 10_000);
      await store.putEntry(done, "job", "failed", 10_000, { unless: "succeeded" });
      await store.putEntry(done, "other", "failed", 10_000, { unless: "succeeded" });
      await store.putEntry(done, "other", "dead", 10_000, { unless: "succeeded" });
      expect(sorted(await store.listEntries(done))).toEqual([
        { member: "job", value: "succeeded" },
        { member: "other", value: "dead" },
      ]);
      // An expired entry is not kept.
      await store.putEntry(done, "short", "succeeded", 100);
      await sleep(300);
      await store.putEntry(done, "short", "failed", 10_000, { unless: "succeeded" });
      expect((await store.listEntries(done)).find((entry) => entry.member === "short")).toEqual({ member: "short", value: "failed" });
    });

    it.skipIf(!sharedAcrossInstances)("shows one store's entries to another on the same server", async () => {
      const [first, second] = [await open(), await open()];
      const roster = key();
      await first.putEntry(roster, "a", "1", 10_000);
      expect(await second.listEntries(roster)).toEqual([{ member: "a", value: "1" }]);
    });
  });
}

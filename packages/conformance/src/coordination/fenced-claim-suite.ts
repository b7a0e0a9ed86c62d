import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CoordinationStore } from "@hopper/core";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const keep = { ttlMs: 10_000, keepMs: 60_000 };

/** Fenced claims (v6) on one store: a limit-1 claim whose holders get growing tokens, and a commit only the latest token passes. */
export function runFencedClaimSuite(name: string, open: () => Promise<CoordinationStore>, sharedAcrossInstances: boolean): void {
  describe(`${name} fenced claims`, () => {
    const key = () => `suite:fence:${randomUUID()}`;

    it("gives the claim to one holder at a time, each new holder a larger token, the same holder its own again", async () => {
      const store = await open();
      const claim = key();
      const first = await store.acquireFenced(claim, "a", keep);
      expect(first).toEqual({ acquired: true, token: 1, committed: false });
      expect(await store.acquireFenced(claim, "b", keep)).toEqual({ acquired: false, committed: false });
      expect(await store.acquireFenced(claim, "a", keep)).toEqual({ acquired: true, token: 1, committed: false });
      await store.releaseFenced(claim, "b"); // not the holder: changes nothing
      expect((await store.acquireFenced(claim, "b", keep)).acquired).toBe(false);
      await store.releaseFenced(claim, "a");
      expect(await store.acquireFenced(claim, "b", keep)).toEqual({ acquired: true, token: 2, committed: false });
      // Other keys are apart.
      expect((await store.acquireFenced(key(), "b", keep)).token).toBe(1);
    });

    it("lets a stalled holder's claim lapse to the next, whose token fences the stalled one's commit out", async () => {
      const store = await open();
      const claim = key();
      const stalled = await store.acquireFenced(claim, "stalled", { ttlMs: 200, keepMs: 60_000 });
      await sleep(300);
      // Its renewal came too late: the claim is no longer its own.
      const next = await store.acquireFenced(claim, "next", keep);
      expect(next).toEqual({ acquired: true, token: stalled.token! + 1, committed: false });
      expect(await store.extendFenced(claim, "stalled", 10_000)).toBe(false);
      expect(await store.fence(claim, stalled.token!, { commit: true, keepMs: 60_000 })).toBe(false);
      expect(await store.fence(claim, next.token!, { commit: false, keepMs: 60_000 })).toBe(true);
      expect(await store.fence(claim, next.token!, { commit: true, keepMs: 60_000 })).toBe(true);
      // Committed once: no token passes again, and nobody takes the claim.
      expect(await store.fence(claim, next.token!, { commit: true, keepMs: 60_000 })).toBe(false);
      expect(await store.acquireFenced(claim, "third", keep)).toEqual({ acquired: false, committed: true });
      expect(await store.extendFenced(claim, "next", 10_000)).toBe(false);
    });

    it("passes a lapsed holder's token while nobody took the claim after it", async () => {
      const store = await open();
      const claim = key();
      const lapsed = await store.acquireFenced(claim, "a", { ttlMs: 200, keepMs: 60_000 });
      await sleep(300);
      expect(await store.extendFenced(claim, "a", 10_000)).toBe(false);
      expect(await store.fence(claim, lapsed.token!, { commit: true, keepMs: 60_000 })).toBe(true);
    });

    it("renews a live holder past its ttl", async () => {
      const store = await open();
      const claim = key();
      await store.acquireFenced(claim, "alive", { ttlMs: 300, keepMs: 60_000 });
      for (let step = 0; step < 4; step++) {
        await sleep(150);
        expect(await store.extendFenced(claim, "alive", 300)).toBe(true);
      }
      expect((await store.acquireFenced(claim, "other", keep)).acquired).toBe(false);
    });

    it("commits once when holders race, and only the latest token", async () => {
      const store = await open();
      const claim = key();
      const tokens: number[] = [];
      for (const holder of ["a", "b", "c"]) {
        const taken = await store.acquireFenced(claim, holder, keep);
        tokens.push(taken.token!);
        await store.releaseFenced(claim, holder);
      }
      expect(tokens).toEqual([1, 2, 3]);
      const commits = await Promise.all([...tokens, 3, 3].map((token) => store.fence(claim, token, { commit: true, keepMs: 60_000 })));
      expect(commits.filter(Boolean)).toHaveLength(1);
      expect(commits.slice(0, 2)).toEqual([false, false]);
    });

    it("forgets a key once it lived keepMs past its last acquire or commit", async () => {
      const store = await open();
      const claim = key();
      const taken = await store.acquireFenced(claim, "a", { ttlMs: 100, keepMs: 300 });
      expect(await store.fence(claim, taken.token!, { commit: true, keepMs: 300 })).toBe(true);
      await sleep(500);
      expect((await store.acquireFenced(claim, "b", keep)).acquired).toBe(true);
    });

    it.skipIf(!sharedAcrossInstances)("fences between two stores on the same server", async () => {
      const first = await open();
      const second = await open();
      const claim = key();
      const taken = await first.acquireFenced(claim, "a", { ttlMs: 200, keepMs: 60_000 });
      await sleep(300);
      expect((await second.acquireFenced(claim, "b", keep)).acquired).toBe(true);
      expect(await first.fence(claim, taken.token!, { commit: true, keepMs: 60_000 })).toBe(false);
    });
  });
}

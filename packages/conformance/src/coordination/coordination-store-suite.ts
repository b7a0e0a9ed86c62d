import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { CoordinationStore } from "@hopper/core";
import { BackendClosedError } from "@hopper/core";
import { runEntrySuite } from "./entry-suite.js";
import { runFencedClaimSuite } from "./fenced-claim-suite.js";
import { runHistorySuite } from "./history-suite.js";
import { runRateSlotSuite } from "./rate-slot-suite.js";

export interface CoordinationStoreSuiteOptions {
  readonly name: string;
  /** A fresh store per test; the suite closes it. */
  readonly createStore: () => Promise<CoordinationStore>;
  /** Two stores from `createStore` see the same keys (a shared server). Default true. */
  readonly sharedAcrossInstances?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The behaviour every CoordinationStore must show; each store package runs it against its real server. */
export function runCoordinationStoreSuite(options: CoordinationStoreSuiteOptions): void {
  describe(`${options.name} coordination store`, () => {
    const opened: CoordinationStore[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });
    const open = async () => {
      const store = await options.createStore();
      opened.push(store);
      return store;
    };
    const key = () => `suite:${randomUUID()}`;

    it("gives a limit-1 key to one holder and names it to the others", async () => {
      const store = await open();
      const lock = key();
      expect(await store.acquire(lock, "a", { limit: 1, ttlMs: 10_000 })).toEqual({ acquired: true, holders: ["a"] });
      expect(await store.acquire(lock, "b", { limit: 1, ttlMs: 10_000 })).toEqual({ acquired: false, holders: ["a"] });
      // The holder itself renews rather than being refused.
      expect((await store.acquire(lock, "a", { limit: 1, ttlMs: 10_000 })).acquired).toBe(true);
    });

    it("admits up to limit holders at once, even when all ask together", async () => {
      const store = await open();
      const semaphore = key();
      const results = await Promise.all(Array.from({ length: 12 }, (_, index) => store.acquire(semaphore, `h${index}`, { limit: 3, ttlMs: 10_000 })));
      const winners = results.flatMap((result, index) => (result.acquired ? [`h${index}`] : []));
      expect(winners).toHaveLength(3);
      const holders = (await store.acquire(semaphore, "late", { limit: 3, ttlMs: 10_000 })).holders;
      expect([...holders].sort()).toEqual([...winners].sort());
    });

    it("frees a place on release, and release by a non-holder changes nothing", async () => {
      const store = await open();
      const lock = key();
      await store.acquire(lock, "a", { limit: 1, ttlMs: 10_000 });
      await store.release(lock, "b");
      expect((await store.acquire(lock, "b", { limit: 1, ttlMs: 10_000 })).acquired).toBe(false);
      await store.release(lock, "a");
      expect((await store.acquire(lock, "b", { limit: 1, ttlMs: 10_000 })).acquired).toBe(true);
    });

    it("lets a holder expire after its ttl unless extended", async () => {
      const store = await open();
      const expiring = key();
      const extended = key();
      await store.acquire(expiring, "dead", { limit: 1, ttlMs: 300 });
      await store.acquire(extended, "alive", { limit: 1, ttlMs: 300 });
      for (let step = 0; step < 4; step++) {
        await sleep(150);
        expect(await store.extend(extended, "alive", 300)).toBe(true);
      }
      expect(await store.acquire(expiring, "next", { limit: 1, ttlMs: 10_000 })).toEqual({ acquired: true, holders: ["next"] });
      expect(await store.acquire(extended, "next", { limit: 1, ttlMs: 10_000 })).toEqual({ acquired: false, holders: ["alive"] });
      expect(await store.extend(expiring, "dead", 10_000)).toBe(false);
    });

    it("does not extend a released holder", async () => {
      const store = await open();
      const lock = key();
      await store.acquire(lock, "a", { limit: 1, ttlMs: 10_000 });
      await store.release(lock, "a");
      expect(await store.extend(lock, "a", 10_000)).toBe(false);
      expect((await store.acquire(lock, "b", { limit: 1, ttlMs: 10_000 })).acquired).toBe(true);
    });

    it("keeps a mark that only grows", async () => {
      const store = await open();
      const mark = key();
      expect(await store.advance(mark)).toBeUndefined();
      expect(await store.advance(mark, 1_700_000_000_000)).toBe(1_700_000_000_000);
      expect(await store.advance(mark, 1_600_000_000_000)).toBe(1_700_000_000_000);
      expect(await Promise.all([store.advance(mark, 1_700_000_000_005), store.advance(mark, 1_700_000_000_003)])).toContain(1_700_000_000_005);
      expect(await store.advance(mark)).toBe(1_700_000_000_005);
    });

    it("reads its own clock, the one ttls are measured by", async () => {
      const store = await open();
      const first = await store.now();
      expect(Number.isSafeInteger(first)).toBe(true);
      expect(await store.now()).toBeGreaterThanOrEqual(first);
    });

    it.skipIf(options.sharedAcrossInstances === false)("shares keys between two stores on the same server", async () => {
      const first = await open();
      const second = await open();
      const lock = key();
      expect((await first.acquire(lock, "a", { limit: 1, ttlMs: 10_000 })).acquired).toBe(true);
      expect(await second.acquire(lock, "b", { limit: 1, ttlMs: 10_000 })).toEqual({ acquired: false, holders: ["a"] });
    });

    runRateSlotSuite(options.name, open);
    runEntrySuite(options.name, open, options.sharedAcrossInstances !== false);
    runHistorySuite(options.name, open, options.sharedAcrossInstances !== false);
    runFencedClaimSuite(options.name, open, options.sharedAcrossInstances !== false);

    it("closes idempotently and refuses calls afterwards", async () => {
      const store = await options.createStore();
      await store.close();
      await store.close();
      await expect(store.acquire(key(), "a", { limit: 1, ttlMs: 1000 })).rejects.toSatisfy(BackendClosedError.isInstance);
    });
  });
}

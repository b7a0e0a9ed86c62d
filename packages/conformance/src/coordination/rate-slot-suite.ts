import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CoordinationStore, RateSlot } from "@hopper/core";
import { busiestSpan } from "./rate-windows.js";

const hour = 3_600_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `takeRateSlot` on one store. Intervals of an hour make the outcomes independent of how long
 * the calls take (a loaded machine shifts waits by milliseconds, never by a slot).
 */
export function runRateSlotSuite(name: string, open: () => Promise<CoordinationStore>): void {
  describe(`${name} rate slots (GCRA)`, () => {
    const key = () => `suite:rate:${randomUUID()}`;
    const near = (slot: RateSlot, admitted: boolean, waitMs: number) => {
      expect(slot.admitted).toBe(admitted);
      // The calls themselves take time: a wait may be shorter than the slot's offset, never longer.
      expect(slot.waitMs).toBeLessThanOrEqual(waitMs + 1);
      expect(slot.waitMs).toBeGreaterThan(waitMs - 60_000);
    };

    it("gives an idle bucket `burst` slots at once, then refuses until the next one, changing nothing", async () => {
      const store = await open();
      const bucket = key();
      const options = { intervalMs: hour, burst: 3, maxWaitMs: 0 };
      for (let index = 0; index < 3; index++) expect(await store.takeRateSlot(bucket, options)).toMatchObject({ admitted: true, waitMs: 0 });
      near(await store.takeRateSlot(bucket, options), false, hour);
      // A refusal reserves nothing: the next free slot is still an interval away, not two.
      near(await store.takeRateSlot(bucket, options), false, hour);
    });

    it("reserves future slots within maxWait, one interval apart, and refuses past it", async () => {
      const store = await open();
      const bucket = key();
      const options = { intervalMs: hour, burst: 1, maxWaitMs: 3 * hour };
      expect(await store.takeRateSlot(bucket, options)).toMatchObject({ admitted: true, waitMs: 0 });
      for (let index = 1; index <= 3; index++) near(await store.takeRateSlot(bucket, options), true, index * hour);
      near(await store.takeRateSlot(bucket, options), false, 4 * hour);
    });

    it("keeps fractional intervals exact over many slots", async () => {
      const store = await open();
      const bucket = key();
      // 7 per hour: 514 285.714… ms apart.
      const options = { intervalMs: hour / 7, burst: 1, maxWaitMs: 2 * hour };
      let last: RateSlot | undefined;
      for (let index = 0; index <= 7; index++) last = await store.takeRateSlot(bucket, options);
      near(last!, true, hour);
    });

    it("never fits a fourth slot of `3 per second` inside one second, where the interval is not a whole number of µs", async () => {
      const store = await open();
      const bucket = key();
      // 333.333… ms: rounded down to whole µs, three intervals are 999.999 ms and four slots start inside one second.
      const options = { intervalMs: 1000 / 3, burst: 1, maxWaitMs: 10_000 };
      const starts: number[] = [];
      for (let index = 0; index < 4; index++) {
        const slot = await store.takeRateSlot(bucket, options);
        expect(slot.admitted).toBe(true);
        starts.push(slot.startsAtMs!);
      }
      // Epoch ms as doubles are exact to about 0.25 µs: within half a µs is a full second; a µs short is not.
      expect(starts[3]! - starts[0]!).toBeGreaterThan(1000 - 0.0005);
    });

    it("admits exactly `burst` of many concurrent takers", async () => {
      const store = await open();
      const bucket = key();
      const slots = await Promise.all(Array.from({ length: 20 }, () => store.takeRateSlot(bucket, { intervalMs: hour, burst: 5, maxWaitMs: 0 })));
      expect(slots.filter((slot) => slot.admitted)).toHaveLength(5);
    });

    it("says when each admitted slot starts on its own clock: of many concurrent takers, no span of n intervals holds more than n + burst − 1 starts", async () => {
      const store = await open();
      const bucket = key();
      // 200 a second with a burst of 4, 300 takers at once, each willing to wait up to 1 s.
      const options = { intervalMs: 5, burst: 4, maxWaitMs: 1000 };
      const before = await store.now();
      const slots = await Promise.all(Array.from({ length: 300 }, () => store.takeRateSlot(bucket, options)));
      const after = await store.now();
      const admitted = slots.filter((slot) => slot.admitted);
      // Exactly what GCRA admits within maxWait: the burst, then one per interval.
      expect(admitted.length).toBeGreaterThanOrEqual(options.burst + options.maxWaitMs / options.intervalMs - 1);
      expect(admitted.length).toBeLessThanOrEqual(options.burst + options.maxWaitMs / options.intervalMs + (after - before) / options.intervalMs + 1);
      const startsAt = admitted.map((slot) => slot.startsAtMs!);
      for (const [index, slot] of admitted.entries()) {
        expect(Number.isFinite(slot.startsAtMs), `slot ${index} has no start`).toBe(true);
        // Its start is its wait past the store's clock at the decision, which lies between the two reads.
        expect(slot.startsAtMs! - slot.waitMs).toBeGreaterThanOrEqual(before - 1);
        expect(slot.startsAtMs! - slot.waitMs).toBeLessThanOrEqual(after + 1);
      }
      for (const n of [1, 20, 200]) expect(busiestSpan(startsAt, n * options.intervalMs), `${n} intervals`).toBeLessThanOrEqual(n + options.burst - 1);
    });

    it("keeps buckets apart by key", async () => {
      const store = await open();
      const options = { intervalMs: hour, burst: 1, maxWaitMs: 0 };
      const first = key();
      expect((await store.takeRateSlot(first, options)).admitted).toBe(true);
      expect((await store.takeRateSlot(first, options)).admitted).toBe(false);
      expect((await store.takeRateSlot(key(), options)).admitted).toBe(true);
    });

    it("frees the next slot once its wait has passed", async () => {
      const store = await open();
      const bucket = key();
      const options = { intervalMs: 200, burst: 1, maxWaitMs: 0 };
      expect((await store.takeRateSlot(bucket, options)).admitted).toBe(true);
      const refused = await store.takeRateSlot(bucket, options);
      expect(refused.admitted).toBe(false);
      expect(refused.waitMs).toBeGreaterThan(0);
      expect(refused.waitMs).toBeLessThanOrEqual(200);
      await sleep(refused.waitMs + 20);
      expect((await store.takeRateSlot(bucket, options)).admitted).toBe(true);
    });
  });
}

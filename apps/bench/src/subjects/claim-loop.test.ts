import { describe, expect, it } from "vitest";
import { chunk } from "./bench-subject.js";
import { startClaimLoop } from "./claim-loop.js";

describe("startClaimLoop", () => {
  it("runs every item, never more than `concurrency` at once, and claims no more than the free slots", async () => {
    const items = Array.from({ length: 57 }, (_, index) => index);
    const handled: number[] = [];
    const claims: number[] = [];
    let running = 0;
    let peak = 0;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const consumer = startClaimLoop<number>({
      concurrency: 7,
      loops: 3,
      maxClaim: 4,
      async claim(max) {
        claims.push(max);
        await new Promise((resolve) => setImmediate(resolve));
        return items.splice(0, max);
      },
      async handle(item) {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        handled.push(item);
        if (handled.length === 57) finish();
      },
    });
    await finished;
    await consumer.stop();
    expect(handled.sort((left, right) => left - right)).toEqual(Array.from({ length: 57 }, (_, index) => index));
    expect(peak).toBeLessThanOrEqual(7);
    expect(Math.max(...claims)).toBeLessThanOrEqual(4);
  });

  it("stop() waits for running items to finish", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let done = false;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let given = false;
    const consumer = startClaimLoop<string>({
      concurrency: 1,
      loops: 1,
      maxClaim: 1,
      async claim(_max, signal) {
        if (!given) {
          given = true;
          return ["job"];
        }
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        return [];
      },
      async handle() {
        started();
        await gate;
        done = true;
      },
    });
    await running;
    const stopped = consumer.stop();
    release();
    await stopped;
    expect(done).toBe(true);
  });
});

describe("chunk", () => {
  it("splits by count and by total bytes, never leaving an item out", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk(["aaaa", "bb", "cc", "dddddd"], 10, 6, (item) => item.length)).toEqual([["aaaa", "bb"], ["cc"], ["dddddd"]]);
    expect(chunk([], 3)).toEqual([]);
  });
});

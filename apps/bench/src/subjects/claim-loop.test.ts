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
      async run(item) {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        handled.push(item);
        if (handled.length === 57) finish();
      },
      async ack() {},
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
      async run() {
        started();
        await gate;
      },
      async ack() {
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

describe("startClaimLoop ack overlap", () => {
  it("frees a slot when run() returns and claims the next item while the ack is still in flight, as Hopper's worker does", async () => {
    const items = ["first", "second"];
    const claimed: string[] = [];
    let ackRelease!: () => void;
    const ackGate = new Promise<void>((resolve) => (ackRelease = resolve));
    let secondClaimedDuringAck!: () => void;
    const secondClaimed = new Promise<void>((resolve) => (secondClaimedDuringAck = resolve));
    let acked = 0;
    const consumer = startClaimLoop<string>({
      concurrency: 1,
      loops: 1,
      maxClaim: 1,
      async claim(max, signal) {
        const taken = items.splice(0, max);
        claimed.push(...taken);
        if (taken.includes("second")) secondClaimedDuringAck();
        if (taken.length === 0) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        return taken;
      },
      async run() {},
      async ack(item) {
        if (item === "first") await ackGate;
        acked += 1;
      },
    });
    await secondClaimed;
    expect(acked).toBe(0);
    expect(claimed).toEqual(["first", "second"]);
    const stopped = consumer.stop();
    ackRelease();
    await stopped;
    // stop() waits for acks still in flight, so no job is left unacknowledged.
    expect(acked).toBe(2);
  });
});

describe("chunk", () => {
  it("splits by count and by total bytes, never leaving an item out", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk(["aaaa", "bb", "cc", "dddddd"], 10, 6, (item) => item.length)).toEqual([["aaaa", "bb"], ["cc"], ["dddddd"]]);
    expect(chunk([], 3)).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { QueueShares } from "./queue-shares.js";

describe("QueueShares", () => {
  it("splits passes by weight, so long runs keep the weights to within one pass", () => {
    const shares = new QueueShares(new Map([["a", 6], ["b", 2], ["c", 1]]));
    const totals = new Map<string, number>();
    for (let pass = 0; pass < 100; pass += 1) {
      for (const [queue, count] of shares.split(["a", "b", "c"], 37, 1000)) {
        shares.count(queue, count);
        totals.set(queue, (totals.get(queue) ?? 0) + count);
      }
    }
    expect(totals.get("a")! + totals.get("b")! + totals.get("c")!).toBe(3700);
    expect(Math.abs(totals.get("a")! - 3700 * (6 / 9))).toBeLessThanOrEqual(37);
    expect(Math.abs(totals.get("c")! - 3700 * (1 / 9))).toBeLessThanOrEqual(37);
  });

  it("never starves the lightest queue: weight 1 against 1000 still gets a unit within 1001", () => {
    const shares = new QueueShares(new Map([["heavy", 1000], ["light", 1]]));
    const picked: string[] = [];
    for (let unit = 0; unit < 1001; unit += 1) {
      const queue = shares.behind(["heavy", "light"])!;
      shares.count(queue, 1);
      picked.push(queue);
    }
    expect(picked.filter((queue) => queue === "light")).toHaveLength(1);
  });

  it("gives a queue found empty no saved-up credit: it resumes at its share, not in a burst", () => {
    const shares = new QueueShares(new Map([["a", 1], ["b", 1]]));
    shares.count("a", 500); // b was empty meanwhile
    shares.forfeit("b", ["a", "b"]);
    const split = shares.split(["a", "b"], 10, 1000);
    expect(split.get("a")).toBe(5);
    expect(split.get("b")).toBe(5);
  });

  it("caps each queue at the most one receive takes", () => {
    const shares = new QueueShares(new Map([["a", 1], ["b", 1]]));
    expect([...shares.split(["a", "b"], 100, 10)]).toEqual([["a", 10], ["b", 10]]);
  });
});

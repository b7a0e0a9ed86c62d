import { describe, expect, it } from "vitest";
import { now } from "../subjects/bench-subject.js";
import { settlesBy, waitUntil } from "./deadlines.js";

const never = new Promise<void>(() => {});
const farAhead = () => now() + 3_600_000;

describe("waitUntil", () => {
  it("is true once the condition holds", async () => {
    let checks = 0;
    expect(await waitUntil(() => ++checks >= 3, farAhead(), 0)).toBe(true);
    expect(checks).toBe(3);
  });

  it("is false once the deadline has passed, without waiting further", async () => {
    expect(await waitUntil(() => false, now() - 1)).toBe(false);
  });
});

describe("settlesBy", () => {
  it("is true for a promise that resolves before the deadline", async () => {
    expect(await settlesBy(Promise.resolve("stopped"), farAhead())).toBe(true);
  });

  it("is false for one that has not settled by the deadline, and leaves it running", async () => {
    expect(await settlesBy(never, now() - 1)).toBe(false);
  });

  it("throws a rejection that comes before the deadline", async () => {
    await expect(settlesBy(Promise.reject(new Error("stop failed")), farAhead())).rejects.toThrow("stop failed");
  });
});

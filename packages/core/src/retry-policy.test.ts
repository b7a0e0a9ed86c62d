import { describe, expect, it } from "vitest";
import { RetryLaterError } from "./errors/retry-later-error.js";
import { UnrecoverableError } from "./errors/unrecoverable-error.js";
import { decideRetry, discardOn, retryOn, validateRetryOptions } from "./retry-policy.js";

class RateLimited extends Error {}
class NotFound extends Error {}
const middle = () => 0.5; // no jitter: 2·0.5 − 1 = 0

describe("decideRetry", () => {
  it("backs off exponentially by default: 1 s, 2 s, 4 s … up to 10 attempts", () => {
    const delays = [1, 2, 3, 4].map((attempt) => decideRetry(undefined, new Error("x"), attempt, middle));
    expect(delays).toEqual([1000, 2000, 4000, 8000].map((delayMs) => ({ action: "retry", delayMs, countsAsAttempt: true })));
    expect(decideRetry(undefined, new Error("x"), 10, middle)).toEqual({ action: "dead", reason: "attempts exhausted (10 of 10)" });
  });

  it("caps exponential waits at one hour", () => {
    expect(decideRetry({ attempts: 40 }, new Error("x"), 30, middle)).toMatchObject({ delayMs: 3_600_000 });
  });

  it("spreads waits by the jitter fraction both ways", () => {
    expect(decideRetry({ jitter: 0.2 }, new Error("x"), 3, () => 0)).toMatchObject({ delayMs: 3200 });
    expect(decideRetry({ jitter: 0.2 }, new Error("x"), 3, () => 1)).toMatchObject({ delayMs: 4800 });
  });

  it("supports polynomial, fixed and custom waits", () => {
    expect(decideRetry({ wait: "polynomial", jitter: 0 }, new Error("x"), 2)).toMatchObject({ delayMs: 31_000 });
    expect(decideRetry({ wait: "30s", jitter: 0 }, new Error("x"), 2)).toMatchObject({ delayMs: 30_000 });
    expect(decideRetry({ wait: (attempt) => attempt * 7, jitter: 0 }, new Error("x"), 3)).toMatchObject({ delayMs: 21 });
  });

  it("applies the first matching rule before the default policy", () => {
    const options = { attempts: 3, rules: [retryOn(RateLimited, { attempts: 20, wait: "1m", jitter: 0 }), discardOn(NotFound)] };
    expect(decideRetry(options, new RateLimited(), 5)).toEqual({ action: "retry", delayMs: 60_000, countsAsAttempt: true });
    expect(decideRetry(options, new RateLimited(), 20)).toMatchObject({ action: "dead" });
    expect(decideRetry(options, new NotFound(), 1)).toEqual({ action: "discard", reason: "discardOn(NotFound)" });
    expect(decideRetry(options, new Error("other"), 3)).toMatchObject({ action: "dead", reason: "attempts exhausted (3 of 3)" });
  });

  it("dead-letters an UnrecoverableError at once", () => {
    expect(decideRetry({ attempts: 5 }, new UnrecoverableError("no"), 1)).toEqual({ action: "dead", reason: "unrecoverable error" });
  });

  it("a RetryLaterError's delay is checked when it is made, and held within a thousand years when it is read", () => {
    for (const delayMs of [Number.NaN, -5, Number.POSITIVE_INFINITY, 1e16]) expect(() => new RetryLaterError({ delayMs })).toThrow(/^RetryLaterError\.delayMs: .* is not a duration/);
    // One made by another copy of the library, unchecked: its marker is the same.
    const foreign = (delayMs: number) => Object.assign(Object.create(RetryLaterError.prototype), { [Symbol.for("hopper.error.RetryLaterError")]: true, delayMs });
    expect(decideRetry({}, foreign(Number.NaN), 1)).toMatchObject({ delayMs: 0 });
    expect(decideRetry({}, foreign(-5), 1)).toMatchObject({ delayMs: 0 });
    expect(decideRetry({}, foreign(Number.POSITIVE_INFINITY), 1)).toMatchObject({ delayMs: 1000 * 365.25 * 86_400_000 });
  });

  it("a polynomial wait past a thousand years is held there (no date can hold it)", () => {
    expect(decideRetry({ attempts: 10_000, wait: "polynomial", jitter: 0 }, new Error("x"), 5000)).toMatchObject({ action: "retry", delayMs: 1000 * 365.25 * 86_400_000 });
  });

  it("reruns a RetryLaterError after its delay without spending an attempt", () => {
    expect(decideRetry({ attempts: 1 }, new RetryLaterError({ delayMs: 250 }), 1)).toEqual({ action: "retry", delayMs: 250, countsAsAttempt: false });
  });

  it("validates rule options with the field named", () => {
    expect(() => retryOn(RateLimited, { attempts: 0 })).toThrow(/retryOn\(RateLimited\)\.attempts: must be an integer ≥ 1/);
    expect(() => retryOn(RateLimited, { wait: "soon" })).toThrow(/retryOn\(RateLimited\)\.wait: "soon" is not a duration/);
  });

  it("refuses a wait that is no strategy, a misspelt key and rules that are not retryOn/discardOn, naming the field (a job class from JavaScript is not type-checked)", () => {
    for (const wait of [{}, true, [], "fast"]) {
      expect(() => validateRetryOptions({ wait } as never, "Work.retry"), JSON.stringify(wait)).toThrow(/Work\.retry\.wait: /);
    }
    expect(() => validateRetryOptions({ atempts: 3 } as never, "Work.retry")).toThrow(/Work\.retry\.atempts: "atempts" is not an option/);
    expect(() => validateRetryOptions({ rules: [RateLimited] } as never, "Work.retry")).toThrow(/Work\.retry\.rules\[0\]: /);
    expect(() => validateRetryOptions({ rules: {} } as never, "Work.retry")).toThrow(/Work\.retry\.rules: /);
    expect(() => validateRetryOptions({ attempts: 3, wait: (attempt: number) => attempt * 1000, jitter: 0, rules: [retryOn(RateLimited), discardOn(TypeError)] }, "Work.retry")).not.toThrow();
  });

  it("still decides when a wait function answers nonsense or throws: the default exponential wait, never a failure to settle the job", () => {
    for (const answer of [Number.NaN, -5, Number.POSITIVE_INFINITY, "1s", undefined]) {
      expect(decideRetry({ wait: () => answer as never, jitter: 0 }, new Error("x"), 3), String(answer)).toEqual({ action: "retry", delayMs: 4000, countsAsAttempt: true });
    }
    const throwing = () => {
      throw new Error("bug in the wait function");
    };
    expect(decideRetry({ wait: throwing, jitter: 0 }, new Error("x"), 1)).toEqual({ action: "retry", delayMs: 1000, countsAsAttempt: true });
    // Past what a date can carry (a delay added to now must stay a date): 100 years at most.
    expect(decideRetry({ wait: () => 1e300, jitter: 0 }, new Error("x"), 1)).toEqual({ action: "retry", delayMs: 100 * 365 * 86_400_000, countsAsAttempt: true });
  });
});

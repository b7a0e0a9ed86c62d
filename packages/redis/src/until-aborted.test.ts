import { afterEach, describe, expect, it } from "vitest";
import { untilAborted } from "./until-aborted.js";

describe("untilAborted", () => {
  const unheard: unknown[] = [];
  const listener = (reason: unknown) => unheard.push(reason);
  afterEach(() => {
    process.off("unhandledRejection", listener);
    unheard.length = 0;
  });

  // The worker crash of the redis-cluster reliability run: a receive that began as the
  // worker stopped gave up on its subscribe, which failed when the cluster connection closed.
  it("swallows the later failure of a call given up on before it started", async () => {
    process.on("unhandledRejection", listener);
    const aborted = AbortSignal.abort();
    let fail!: (error: Error) => void;
    const call = new Promise<string>((_, reject) => (fail = reject));
    await expect(untilAborted(call, [aborted])).resolves.toBeUndefined();
    fail(new Error("None of startup nodes is available"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unheard).toEqual([]);
  });

  it("swallows the later failure of a call given up on while it ran", async () => {
    process.on("unhandledRejection", listener);
    const controller = new AbortController();
    let fail!: (error: Error) => void;
    const call = new Promise<string>((_, reject) => (fail = reject));
    const result = untilAborted(call, [controller.signal]);
    controller.abort();
    await expect(result).resolves.toBeUndefined();
    fail(new Error("Connection is closed."));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unheard).toEqual([]);
  });

  it("answers with the call's result or failure while no signal aborts", async () => {
    const controller = new AbortController();
    await expect(untilAborted(Promise.resolve(7), [controller.signal, undefined])).resolves.toBe(7);
    await expect(untilAborted(Promise.reject(new Error("boom")), [controller.signal])).rejects.toThrow("boom");
  });
});

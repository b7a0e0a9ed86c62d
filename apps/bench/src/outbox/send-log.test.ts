import { createMemoryBackend } from "@hopper/core/memory";
import type { EnqueueResult } from "@hopper/core/backend";
import { describe, expect, it } from "vitest";
import { SendLog } from "./send-log.js";

describe("SendLog", () => {
  it("stamps each job a wrapped backend accepted with the moment its send was answered", async () => {
    let clock = 5;
    const log = new SendLog(() => clock);
    const backend = log.wrap(createMemoryBackend({ store: `send-log-${Math.random()}` }));
    await backend.enqueue([{ id: "a", queue: "q", body: "{}" }, { id: "b", queue: "q", body: "{}" }]);
    clock = 9;
    await backend.enqueue([{ id: "c", queue: "q", body: "{}" }]);
    expect([log.arrivalOf("a"), log.arrivalOf("b"), log.arrivalOf("c")]).toEqual([5, 5, 9]);
    expect(log.sends).toBe(2);
    // Everything else is the backend's own, bound to it.
    const received = await backend.receive({ queue: "q", maxMessages: 10, waitMs: 0, leaseMs: 1000 });
    expect(received.map((message) => message.id)).toEqual(["a", "b", "c"]);
    await backend.close();
  });

  it("says whether a send is waiting for the target's answer", async () => {
    const log = new SendLog();
    const backend = log.wrap(createMemoryBackend({ store: `send-log-${Math.random()}` }));
    const pending = backend.enqueue([{ id: "a", queue: "q", body: "{}" }]);
    expect(log.sending).toBe(true);
    await pending;
    expect(log.sending).toBe(false);
    await backend.close();
  });

  it("leaves failed jobs unstamped and keeps a re-sent job's first stamp", () => {
    let clock = 1;
    const log = new SendLog(() => clock);
    const failed: EnqueueResult = { status: "failed", id: "x", error: new Error("refused") };
    log.record([{ status: "enqueued", id: "a" }, failed]);
    clock = 2;
    log.record([{ status: "enqueued", id: "a" }]);
    expect(log.arrivalOf("a")).toBe(1);
    expect(log.arrivalOf("x")).toBeUndefined();
  });

  it("waits for every id, and says how many are missing when they do not come", async () => {
    const log = new SendLog(() => 0);
    const waiting = log.waitFor(["a", "b"], 60_000);
    log.record([{ status: "enqueued", id: "a" }]);
    log.record([{ status: "enqueued", id: "b" }]);
    await expect(waiting).resolves.toBeUndefined();
    await expect(log.waitFor(["a", "c", "d"], 1)).rejects.toThrow("2 of 3 jobs did not reach the target within 1 ms");
  });
});

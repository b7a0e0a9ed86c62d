import { describe, expect, it } from "vitest";
import { createMemoryCoordinationStore } from "../coordination/memory-coordination-store.js";
import { readPauseChanges, readQueuePaused, setQueuePaused } from "./queue-pauses.js";

describe("queue pause flags", () => {
  it("pause and resume are idempotent and each change moves the shared counter", async () => {
    const store = createMemoryCoordinationStore();
    expect(await readQueuePaused(store, "mailers")).toBe(false);
    await setQueuePaused(store, "mailers", true);
    await setQueuePaused(store, "mailers", true);
    expect(await readQueuePaused(store, "mailers")).toBe(true);
    expect(await readQueuePaused(store, "default")).toBe(false);
    const before = await readPauseChanges(store);
    await setQueuePaused(store, "mailers", false);
    expect(await readQueuePaused(store, "mailers")).toBe(false);
    expect(await readPauseChanges(store)).toBeGreaterThan(before);
  });

  it("concurrent toggles end in the state of one of them, never a lost flag", async () => {
    const store = createMemoryCoordinationStore();
    await Promise.all(Array.from({ length: 20 }, () => setQueuePaused(store, "q", true)));
    expect(await readQueuePaused(store, "q")).toBe(true);
    await Promise.all([setQueuePaused(store, "q", false), setQueuePaused(store, "q", false)]);
    expect(await readQueuePaused(store, "q")).toBe(false);
  });
});

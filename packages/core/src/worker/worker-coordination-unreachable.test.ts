import { describe, expect, it } from "vitest";
import { createMemoryCoordinationStore } from "../coordination/memory-coordination-store.js";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import { createHopper } from "../hopper.js";
import { Job } from "../job.js";
import { createMemoryBackend } from "../memory/memory-backend.js";

// Found by the reliability crash run: a worker started while PostgreSQL was down died of an
// unhandled rejection from its coordination check, where it waits for the backend itself.
describe("a worker whose coordination store is unreachable at start", () => {
  it("waits for the store instead of dying, then runs its jobs", { timeout: 30_000 }, async () => {
    const memory = createMemoryCoordinationStore();
    let failures = 2;
    const errors: string[] = [];
    const flaky: CoordinationStore = {
      ...memory,
      advance: async (key, value) => {
        if (failures-- > 0) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
        return memory.advance(key, value);
      },
    };
    const ran: number[] = [];
    class Limited extends Job<{ n: number }> {
      static override queue = "limited";
      static override concurrency = { key: () => "one", limit: 1 };
      async perform({ n }: { n: number }) {
        ran.push(n);
      }
    }
    const logger = { debug() {}, info() {}, warn() {}, error: (message: string) => void errors.push(message) };
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Limited], coordination: flaky, logger });
    await Limited.performLater({ n: 1 });
    const worker = hopper.worker({ queues: ["limited"], handleSignals: false, pollWait: "100ms" });
    const running = worker.run();
    const deadline = Date.now() + 20_000;
    while (ran.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await worker.stop();
    await expect(running).resolves.toBeUndefined();
    expect(ran).toEqual([1]);
    expect(errors.filter((message) => message.includes("coordination store"))).toHaveLength(2);
    await hopper.close();
  });

  it("still refuses a store that is not configured (ConfigurationError), at once", async () => {
    class Limited extends Job<{ n: number }> {
      static override queue = "limited-refused";
      static override concurrency = { key: () => "one", limit: 1 };
      async perform() {}
    }
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Limited], coordination: { ...createMemoryCoordinationStore(), advance: async () => Promise.reject(new (await import("../errors/configuration-error.js")).ConfigurationError({ field: "coordination", message: "none" })) }, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    await expect(hopper.worker({ queues: ["limited-refused"], handleSignals: false }).run()).rejects.toThrow(/coordination/);
    await hopper.close();
  });
});

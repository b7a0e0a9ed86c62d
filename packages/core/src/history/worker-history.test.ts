import { afterEach, describe, expect, it } from "vitest";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import { createMemoryCoordinationStore } from "../coordination/memory-coordination-store.js";
import { createHopper, type Hopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let succeeded = 0;
let thrown = 0;
class Fine extends Job<{ n: number }> {
  static override queue = "history-q";
  async perform() {
    succeeded += 1;
  }
}
class Broken extends Job<Record<string, never>> {
  static override queue = "history-q";
  static override retry = { attempts: 2, wait: 10, jitter: 0 };
  async perform() {
    thrown += 1;
    throw new Error("broken");
  }
}

/** Every call the store gets, as method and key, so the test can tell per-job calls from per-bucket ones. */
function countingStore(store: CoordinationStore): { store: CoordinationStore; calls: { method: string; key: string }[] } {
  const calls: { method: string; key: string }[] = [];
  const counted = Object.create(store) as Record<string, unknown>;
  for (const method of ["acquire", "extend", "release", "advance", "takeRateSlot", "putEntry", "listEntries", "removeEntry", "now"] as const) {
    const original = (store[method] as (...args: unknown[]) => unknown).bind(store);
    counted[method] = (...args: unknown[]) => {
      calls.push({ method, key: String(args[0] ?? "") });
      return original(...args);
    };
  }
  return { store: counted as unknown as CoordinationStore, calls };
}

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

describe("a worker's queue history", () => {
  it("costs no store call per job: one write per bucket per worker, read back as every outcome and latency", async () => {
    const memory = createMemoryCoordinationStore();
    const { store, calls } = countingStore(memory);
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Fine, Broken], coordination: store, logger: createConsoleLogger("silent") });
    hoppers.push(hopper);
    succeeded = 0;
    thrown = 0;
    const jobs = 60;
    await Fine.performAllLater(Array.from({ length: jobs }, (_, n) => ({ n })));
    await Broken.performLater({});
    const worker = hopper.worker({ queues: ["history-q"], concurrency: 5, handleSignals: false, pollWait: "50ms", heartbeat: "1h", pauseCheck: "1h" });
    const running = worker.run();
    for (let tries = 0; (succeeded < jobs || thrown < 2) && tries < 400; tries++) await sleep(25);
    await sleep(100); // the dead letter is sent after the second failure
    await worker.stop();
    await running;

    const historyWrites = calls.filter((call) => call.key.startsWith("hopper:history:"));
    const others = calls.filter((call) => !call.key.startsWith("hopper:history:"));
    // Nothing per job: besides history, only the worker's own registry entry and pause watch touched the store.
    const workerKeys = new Set(["hopper:workers", "hopper:queue-pause-changes", "hopper:queue-paused:history-q"]);
    expect(others.filter((call) => !workerKeys.has(call.key))).toEqual([]);
    expect(others.length).toBeLessThanOrEqual(6);
    // One write per bucket this worker saw jobs in (the run may straddle a 10 s boundary), never one per job.
    expect(historyWrites.every((call) => call.method === "putEntry")).toBe(true);
    const written = (await Promise.all([...new Set(historyWrites.map((call) => call.key))].map((key) => memory.listEntries(key)))).flat();
    const buckets = new Set(written.map((entry) => (JSON.parse(entry.value) as { bucket: number }).bucket));
    expect(historyWrites).toHaveLength(buckets.size);
    expect(buckets.size).toBeLessThanOrEqual(2);

    const history = await hopper.queues.history("history-q", { minutes: 5 });
    expect(history.buckets).toHaveLength(30);
    expect(history.total).toMatchObject({ completed: jobs, failed: 2, dead: 1, started: jobs + 1 });
    expect(history.total.latencyP50Ms).toBeGreaterThanOrEqual(1);
    expect(history.buckets.reduce((sum, bucket) => sum + bucket.completed, 0)).toBe(jobs);
  });

  it("refuses a queue no registered job uses, naming it", async () => {
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Fine], logger: createConsoleLogger("silent") });
    hoppers.push(hopper);
    await expect(hopper.queues.history("nope")).rejects.toThrow(/no registered job uses queue "nope"/);
    await expect(hopper.queues.history("history-q", { minutes: 0 })).rejects.toThrow(/minutes/);
  });
});

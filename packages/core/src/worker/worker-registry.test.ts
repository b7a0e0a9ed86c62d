import { afterEach, describe, expect, it } from "vitest";
import { createMemoryCoordinationStore } from "../coordination/memory-coordination-store.js";
import { createHopper, type Hopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { createWorkers, hopperVersion } from "./worker-registry.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let tries = 0; ; tries += 1) {
    const value = await read();
    if (done(value) || tries > 400) return value;
    await sleep(25);
  }
}

let release: () => void = () => {};
class Mailer extends Job<{ n: number }> {
  static override queue = "registry-mailers";
  static override version = 3;
  static override upgrades = { 1: (old: { n: number }) => old, 2: (old: { n: number }) => old };
  async perform() {
    await new Promise<void>((resolve) => (release = resolve));
  }
}
class Report extends Job<Record<string, never>> {
  static override queue = "registry-reports";
  async perform() {}
}

const hoppers: Hopper[] = [];
afterEach(async () => {
  release();
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

describe("the worker registry", () => {
  it("lists a running worker with its queues, concurrency, running jobs and payload versions, and drops it on stop", async () => {
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Mailer, Report], logger: createConsoleLogger("silent") });
    hoppers.push(hopper);
    expect(await hopper.workers.list()).toEqual([]);
    const worker = hopper.worker({ queues: ["registry-mailers"], concurrency: 3, heartbeat: "50ms", handleSignals: false, pollWait: "50ms" });
    const running = worker.run();
    const [listed] = await until(() => hopper.workers.list(), (list) => list.length === 1);
    expect(listed).toMatchObject({ pid: process.pid, queues: ["registry-mailers"], concurrency: 3, running: 0, hopperVersion: hopperVersion(), jobs: { Mailer: 3, Report: 1 } });
    expect(hopperVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(Date.parse(listed!.lastSeenAt)).toBeGreaterThanOrEqual(Date.parse(listed!.startedAt));

    await Mailer.performLater({ n: 1 });
    const busy = await until(() => hopper.workers.list(), (list) => list[0]?.running === 1);
    expect(busy[0]!.running).toBe(1);
    release();
    await worker.stop();
    await running;
    expect(await hopper.workers.list()).toEqual([]);
  });

  it("forgets a worker whose heartbeats stopped after three heartbeats, and skips entries it cannot read", async () => {
    let now = 1_000_000;
    const coordination = createMemoryCoordinationStore({ now: () => now });
    const workers = createWorkers(coordination);
    const entry = { format: 1, id: "w1", host: "h", pid: 1, queues: ["q"], concurrency: 1, running: 0, hopperVersion: "0.1.0", jobs: {}, startedAt: "2026-01-01T00:00:00.000Z", lastSeenAt: "2026-01-01T00:00:00.000Z" };
    await coordination.putEntry("hopper:workers", "w1", JSON.stringify(entry), 3000);
    await coordination.putEntry("hopper:workers", "junk", "not json", 3000);
    await coordination.putEntry("hopper:workers", "future", JSON.stringify({ ...entry, id: "future", format: 2 }), 3000);
    expect((await workers.list()).map((worker) => worker.id)).toEqual(["w1"]);
    now += 2999;
    expect(await workers.list()).toHaveLength(1);
    now += 1;
    expect(await workers.list()).toEqual([]);
  });

  it("refuses a heartbeat that is not a positive duration, naming the option", () => {
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Report], logger: createConsoleLogger("silent") });
    hoppers.push(hopper);
    expect(() => hopper.worker({ heartbeat: 0 })).toThrow(/worker\.heartbeat/);
  });
});

it("a worker whose store hangs still stops, its entry left to expire", { timeout: 20_000 }, async () => {
  const memory = createMemoryCoordinationStore();
  const hanging = { ...memory, removeEntry: () => new Promise<void>(() => {}) };
  const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Report], coordination: hanging, logger: createConsoleLogger("silent") });
  hoppers.push(hopper);
  // A long heartbeat: the entry outlives the stop's bounded wait, so the test sees it was never removed.
  const worker = hopper.worker({ heartbeat: "10s", handleSignals: false, pollWait: "50ms" });
  const running = worker.run();
  await until(() => hopper.workers.list(), (list) => list.length === 1);
  await worker.stop();
  await expect(running).resolves.toBeUndefined();
  expect(await hopper.workers.list()).toHaveLength(1);
});

// The worker host's wall clock steps (NTP, a VM restore) while a job runs on Redis with a short lease; the server's
// clock does not. Leases were timed with Date.now(): a step back stopped every renewal (the lease looked young) and a
// second copy started beside the first; a step forward gave the healthy run up as stalled. They are timed with a
// monotonic clock now (core/src/worker/lease-clock.ts).
import { createConsoleLogger, createHopper, type Hopper } from "@hopper/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { longRuns } from "./test-long-runs.js";
import { redisUrl } from "./test-redis-service.js";

describe.skipIf(!redisUrl)("a step of the worker host's wall clock", () => {
  const opened: Hopper[] = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(opened.splice(0).map((hopper) => hopper.close()));
  });

  it.each([
    ["back 20 s", -20_000],
    ["forward 10 s", 10_000],
  ])("%s during a run: one copy runs, to its end, its lease renewed throughout", { timeout: 30_000 }, async (_label, stepMs) => {
    const queue = `clock-step-${stepMs < 0 ? "back" : "forward"}-${Date.now().toString(36)}`;
    const realNow = Date.now.bind(Date);
    let offset = 0;
    vi.spyOn(Date, "now").mockImplementation(() => realNow() + offset);
    const runs = longRuns(queue);
    const [A, B] = [runs.jobOf("A"), runs.jobOf("B")];
    const first = createHopper({ url: `${redisUrl}?keyPrefix=${queue}`, jobs: [A], logger: createConsoleLogger("silent") });
    const second = createHopper({ url: `${redisUrl}?keyPrefix=${queue}`, jobs: [B], logger: createConsoleLogger("silent") });
    opened.push(first, second);
    await A.performLater({});
    const options = { handleSignals: false, pollWait: "100ms", lease: "1s", concurrency: 1, prefetch: 0 } as const;
    const workerA = first.worker(options);
    const runningA = workerA.run();
    while (runs.starts.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    offset = stepMs;
    const workerB = second.worker(options);
    const runningB = workerB.run();
    await new Promise((resolve) => setTimeout(resolve, 4500));
    await Promise.all([workerA.stop(), workerB.stop()]);
    await Promise.all([runningA, runningB]);
    expect({ starts: runs.starts, ends: runs.ends, mostAtOnce: runs.mostAtOnce }).toEqual({ starts: ["A"], ends: ["A"], mostAtOnce: 1 });
  });
});

/**
 * The Redis backend's fetch-ahead default is the core's 200 (REDIS_CAPABILITIES declares none): a buffer of 1,000 made
 * receive scripts of ~500 messages that held the single-threaded server 4-5 ms at the median and up to 17
 * (benchmarks/results/redis-prefetch-2026-12-06.md). A worker given no `prefetch` asks for at most its free slots and
 * 200, however fast its jobs; `prefetch` still raises it for whoever accepts the longer scripts.
 */
import { randomUUID } from "node:crypto";
import { createConsoleLogger, createHopper, Job } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

const concurrency = 10;

/** The largest receive a worker of `options` asks for while it drains `total` instant jobs from a fresh queue. */
async function largestAsk(total: number, options: { prefetch?: number }): Promise<number> {
  const redis = createRedisBackend({ url: redisUrl!, keyPrefix: `prefetch-${randomUUID().slice(0, 8)}` });
  const asked: number[] = [];
  // Counts what each receive asks for; everything else is the real backend's.
  const backend: Backend = Object.create(redis, {
    receive: {
      value: (receiveOptions: Parameters<Backend["receive"]>[0]) => {
        asked.push(receiveOptions.maxMessages);
        return redis.receive(receiveOptions);
      },
    },
  });
  let ran = 0;
  class Instant extends Job<{ n: number }> {
    static override queue = "instant";
    async perform() {
      ran += 1;
    }
  }
  const hopper = createHopper({ backend, jobs: [Instant], logger: createConsoleLogger("silent") });
  try {
    for (let start = 0; start < total; start += 1000) await hopper.enqueueAll(Instant, Array.from({ length: 1000 }, (_, n) => ({ n: start + n })));
    const worker = hopper.worker({ concurrency, pollWait: 50, handleSignals: false, ...options });
    const running = worker.run();
    const deadline = Date.now() + 30_000;
    while (ran < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await worker.stop();
    await running;
    expect(ran).toBe(total);
  } finally {
    await hopper.close();
  }
  return Math.max(...asked);
}

describe.skipIf(!redisUrl)("redis fetch-ahead default", () => {
  it("asks for at most the free slots and 200 ahead by default, however fast the jobs, and more when prefetch says so", { timeout: 60_000 }, async () => {
    // A refill asks for the free slots and the room up to the target; a quarter second of instant jobs is far more
    // than 1,000 on any machine that runs 10,000 of them within the test's bound, so only the limit holds it.
    expect(await largestAsk(10_000, {})).toBeLessThanOrEqual(concurrency + 200);
    expect(await largestAsk(10_000, { prefetch: 1000 })).toBeGreaterThan(concurrency + 200);
  });
});

import { randomBytes } from "node:crypto";
import { createConsoleLogger, createHopper, Job } from "@hopper/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { DisposableRedisServer } from "./test-redis-server.js";

const jobCount = 300;

describe("redis: the server restarts under a running worker", () => {
  let server: DisposableRedisServer;
  beforeAll(async () => {
    server = await DisposableRedisServer.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("the worker reconnects and runs every job; nothing in flight is lost", { timeout: 60_000 }, async () => {
    const queue = `restart-${randomBytes(4).toString("hex")}`;
    const runs = new Map<number, number>();
    class SlowJob extends Job<{ n: number }> {
      static override queue = queue;
      async perform({ n }: { n: number }) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        runs.set(n, (runs.get(n) ?? 0) + 1);
      }
    }
    const backend = createRedisBackend({ url: server.url });
    const hopper = createHopper({ backend, jobs: [SlowJob], logger: createConsoleLogger("silent") });
    const waitUntil = async (predicate: () => boolean, description: string) => {
      const deadline = Date.now() + 40_000;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    try {
      await SlowJob.performAllLater(Array.from({ length: jobCount }, (_, n) => ({ n })));
      const worker = hopper.worker({ queues: [queue], concurrency: 10, lease: "2s", pollWait: "500ms", handleSignals: false });
      const running = worker.run();
      await waitUntil(() => runs.size >= 50, "50 jobs before the restart");

      await server.kill();
      const doneBeforeRestart = runs.size;
      await new Promise((resolve) => setTimeout(resolve, 500));
      await server.restart();

      await waitUntil(() => runs.size === jobCount, "every job after the restart");
      await worker.stop();
      await running;
      const duplicates = [...runs.values()].reduce((sum, count) => sum + count - 1, 0);
      console.log(`[redis restart test] ${doneBeforeRestart} jobs done before the restart, ${jobCount} after; ${duplicates} duplicate runs`);
      expect(doneBeforeRestart).toBeLessThan(jobCount);
      expect([...runs.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: jobCount }, (_, n) => n));
      expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    } finally {
      await hopper.close();
    }
  });
});

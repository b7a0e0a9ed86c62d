/**
 * A worker told to stop while its Redis server is down: the worker's stop is bounded by its shutdown timeout, and the
 * backend's close must be too, even on a client that waits out an outage for good (`maxRetriesPerRequest: null`, as
 * BullMQ asks of its connections, so a shared one often has it). Before, close waited on the acks still queued in
 * that client, and a SIGTERM during an outage left the process up until something killed it. Acks that can land still
 * do before close resolves.
 */
import { randomBytes } from "node:crypto";
import { createConsoleLogger, createHopper, Job } from "@hopper/core";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { CLOSE_ACKS_BOUND_MS, createRedisBackend } from "./redis-backend.js";
import { queueKeys } from "./redis-keys.js";
import { seededHandle, seedHandles } from "./test-redis-backend.js";
import { DisposableRedisServer } from "./test-redis-server.js";

async function waitUntil(predicate: () => boolean, description: string): Promise<void> {
  for (const deadline = Date.now() + 20_000; !predicate(); await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
  }
}

describe("redis: close while the server is down", () => {
  it("gives up on acks that cannot land after its bound, says so, and the job runs again once the server is back", { timeout: 60_000 }, async () => {
    const server = await DisposableRedisServer.start();
    const client = new Redis(server.url, { maxRetriesPerRequest: null });
    client.on("error", () => {});
    const queue = `close-outage-${randomBytes(4).toString("hex")}`;
    let runs = 0;
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    class HeldJob extends Job<{ n: number }> {
      static override queue = queue;
      async perform() {
        runs += 1;
        if (runs === 1) await released;
      }
    }
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => {
      if (warning.code === "HOPPER_REDIS_ACKS_NOT_LANDED") warnings.push(warning.message);
    };
    process.on("warning", onWarning);
    const hopper = createHopper({ backend: createRedisBackend({ client }), jobs: [HeldJob], logger: createConsoleLogger("silent") });
    try {
      await hopper.enqueue(HeldJob, { n: 1 });
      const worker = hopper.worker({ queues: [queue], concurrency: 1, lease: "2s", handleSignals: false });
      const running = worker.run();
      await waitUntil(() => runs === 1, "the job to start");

      await server.kill();
      release(); // the job ends while the server is down: its ack waits in the client's offline queue
      await worker.stop({ timeout: "500ms" });
      await running;
      const closeStartedAt = performance.now();
      const closing = hopper.close().then(() => "closed");
      const outcome = await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, CLOSE_ACKS_BOUND_MS + 10_000, "still waiting"))]);
      expect(outcome).toBe("closed");
      // It waited for the ack first, the whole bound.
      expect(performance.now() - closeStartedAt).toBeGreaterThanOrEqual(CLOSE_ACKS_BOUND_MS - 50);
      await new Promise((resolve) => setImmediate(resolve)); // a process warning is emitted on the next tick
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/on 1 ack/);
      // The client is the application's: close left it open. Its queued ack goes with it, never to land.
      client.disconnect();

      // Not lost: the ack never landed, so the job runs again once its lease ends on the server that came back.
      await server.restart();
      const again = createHopper({ url: server.url, jobs: [HeldJob], logger: createConsoleLogger("silent") });
      const second = again.worker({ queues: [queue], concurrency: 1, lease: "2s", handleSignals: false });
      const secondRunning = second.run();
      try {
        await waitUntil(() => runs === 2, "the job to run again");
      } finally {
        await second.stop();
        await secondRunning;
        await again.close();
      }
      expect(runs).toBe(2);
    } finally {
      process.off("warning", onWarning);
      // First: a close still waiting on the client's queued ack then ends, and the failure above is what is reported.
      client.disconnect();
      await hopper.close();
      await server.stop();
    }
  });

  it("still waits for acks that can land: one held up by the server has landed when close resolves", { timeout: 30_000 }, async () => {
    const server = await DisposableRedisServer.start(["--appendonly", "no"]);
    const client = new Redis(server.url);
    const admin = new Redis(server.url);
    const backend = createRedisBackend({ client });
    const queue = `close-lands-${randomBytes(4).toString("hex")}`;
    try {
      await seedHandles(admin, queueKeys("hopper", queue).base);
      await backend.enqueue([{ id: "a", queue, body: "a" }]);
      const [message] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 60_000 });
      expect(message?.id).toBe("a");
      // Write commands (scripts among them) wait 500 ms on the server: the ack lands only after close has begun.
      await admin.client("PAUSE", 500, "WRITE");
      let landed = false;
      const acked = message!.ack().then(() => (landed = true));
      await backend.close();
      expect(landed).toBe(true);
      await acked;
      expect(await admin.zcard(queueKeys("hopper", queue).leased)).toBe(0);
      expect(await admin.exists(`${queueKeys("hopper", queue).base}m:${seededHandle(1)}`)).toBe(0);
    } finally {
      await backend.close();
      client.disconnect();
      admin.disconnect();
      await server.stop();
    }
  });
});

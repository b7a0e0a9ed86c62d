import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createConsoleLogger, createHopper } from "@hopper/core";
import { describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { createRedisBackend } from "./redis-backend.js";
import { queueKeys } from "./redis-keys.js";
import { crashJobClass } from "./test-crash-job.js";
import { redisUrl } from "./test-redis-service.js";

const jobCount = 100;

describe.skipIf(!redisUrl)("redis: a worker killed with SIGKILL", () => {
  // With leases written into the message, and with compact leases (RedisBackendOptions.compactLeases) on both workers.
  it.each([false, true])("loses none of the jobs it held: a second worker runs them all, as a later attempt (compact leases: %s)", { timeout: 60_000 }, async (compactLeases) => {
    const url = redisUrl!;
    const queue = `crash-${randomBytes(4).toString("hex")}`;
    const attemptsById = new Map<number, number[]>();
    const CrashJob = crashJobClass(queue, async ({ n }, context) => {
      attemptsById.set(n, [...(attemptsById.get(n) ?? []), context.attempt]);
    });
    const backend = createRedisBackend({ url, compactLeases });
    const hopper = createHopper({ backend, jobs: [CrashJob], logger: createConsoleLogger("silent") });
    let child: ChildProcess | undefined;
    try {
      await CrashJob.performAllLater(Array.from({ length: jobCount }, (_, n) => ({ n })));

      const holder = spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", fileURLToPath(new URL("./test-crash-worker.ts", import.meta.url))], {
        env: { ...process.env, CRASH_REDIS_URL: url, CRASH_QUEUE: queue, CRASH_COMPACT_LEASES: compactLeases ? "1" : "0" },
        stdio: ["ignore", "pipe", "inherit"],
      });
      child = holder;
      const exited = new Promise<NodeJS.Signals | null>((resolve) => holder.once("exit", (_code, signal) => resolve(signal)));
      await new Promise<void>((resolve, reject) => {
        holder.once("exit", () => reject(new Error("the crash worker exited before holding every job")));
        let output = "";
        holder.stdout!.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes(`holding ${jobCount}\n`)) resolve();
        });
      });
      expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: jobCount });
      // The leases the killed worker leaves are the kind the case is about.
      const raw = new Redis(url);
      const leased = await raw.zrange(queueKeys("hopper", queue).leased, 0, -1).finally(() => raw.disconnect());
      expect(leased.filter((member) => member.includes(":"))).toHaveLength(compactLeases ? jobCount : 0);
      holder.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");

      const worker = hopper.worker({ queues: [queue], concurrency: 20, lease: "2s", pollWait: "500ms", handleSignals: false });
      const running = worker.run();
      const deadline = Date.now() + 30_000;
      while (attemptsById.size < jobCount && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await worker.stop();
      await running;

      const runs = [...attemptsById.values()].reduce((sum, attempts) => sum + attempts.length, 0);
      console.log(`[redis crash test] ${attemptsById.size}/${jobCount} jobs completed after SIGKILL; ${runs - attemptsById.size} duplicate runs`);
      expect([...attemptsById.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: jobCount }, (_, n) => n));
      // The killed worker's delivery counts: every job now runs as attempt 2 or later.
      for (const attempts of attemptsById.values()) expect(attempts[0]).toBeGreaterThanOrEqual(2);
      expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    } finally {
      // Never leave the holder running when the test fails early.
      if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await hopper.close();
    }
  });
});

import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createConsoleLogger, createHopper } from "@hopper/core";
import { describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { crashJobClass } from "./test-crash-job.js";
import { redisUrl } from "./test-redis-service.js";

const jobCount = 5;

describe.skipIf(!redisUrl)("redis: job records across a worker killed with SIGKILL", () => {
  it("say running (attempt 1) until the lease ends, then show the redelivered attempt", { timeout: 60_000 }, async () => {
    const url = redisUrl!;
    const queue = `rcrash-${randomBytes(4).toString("hex")}`;
    const CrashJob = crashJobClass(queue, async () => {});
    const hopper = createHopper({ backend: createRedisBackend({ url }), jobs: [CrashJob], logger: createConsoleLogger("silent"), records: {} });
    let child: ChildProcess | undefined;
    try {
      const ids = await CrashJob.performAllLater(Array.from({ length: jobCount }, (_, n) => ({ n })));
      const holder = spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", fileURLToPath(new URL("./test-crash-worker.ts", import.meta.url))], {
        env: { ...process.env, CRASH_REDIS_URL: url, CRASH_QUEUE: queue, CRASH_RECORDS: "1" },
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
      holder.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
      // Nobody wrote since the kill: the records still say what the dead worker last said.
      for (const id of ids) expect(await hopper.jobs.get(id)).toMatchObject({ state: "running", attempt: 1, finishedAt: null });

      const worker = hopper.worker({ queues: [queue], concurrency: 5, lease: "2s", pollWait: "500ms", handleSignals: false });
      const running = worker.run();
      try {
        for (const id of ids) {
          // The killed worker's delivery counts: the redelivered copy runs as attempt 2.
          const record = await hopper.jobs.wait(id, { timeout: "30s" });
          expect(record).toMatchObject({ state: "succeeded", attempt: 2, result: null });
        }
      } finally {
        await worker.stop();
        await running;
      }
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await hopper.close();
    }
  });
});

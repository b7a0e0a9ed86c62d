import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { expectRecordsAcrossWorkerKill } from "@hopper/conformance";
import { createConsoleLogger, createHopper } from "@hopper/core";
import { describe, it } from "vitest";
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
    try {
      const ids = await CrashJob.performAllLater(Array.from({ length: jobCount }, (_, n) => ({ n })));
      const spawnHolder = () =>
        spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", fileURLToPath(new URL("./test-crash-worker.ts", import.meta.url))], {
          env: { ...process.env, CRASH_REDIS_URL: url, CRASH_QUEUE: queue, CRASH_RECORDS: "1" },
          stdio: ["ignore", "pipe", "inherit"],
        });
      await expectRecordsAcrossWorkerKill({ hopper, queue, ids, spawnHolder });
    } finally {
      await hopper.close();
    }
  });
});

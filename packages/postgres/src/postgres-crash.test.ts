import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createHopper } from "@hopper/core";
import { afterAll, describe, expect, it } from "vitest";
import { closeCrashJobPool, CrashJob } from "./test-fixtures/postgres-crash-job.js";
import { postgresTargets, silentLogger as silent, uniqueQueue } from "./test-postgres-targets.js";

const workerScript = fileURLToPath(new URL("./test-fixtures/postgres-crash-worker.ts", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../../../", import.meta.url));
const jobCount = 40;

// Two processes share the database, so only the server target applies (PGlite is in-process).
const server = postgresTargets().find((target) => target.name === "postgres");
afterAll(closeCrashJobPool);

describe.skipIf(!server)("crash recovery on postgres", () => {
  it("loses no job when a worker holding jobs is killed with SIGKILL", { timeout: 90_000 }, async () => {
    const target = server!;
    const queue = uniqueQueue("crash");
    await target.createBackend().then((backend) => backend.close()); // migrate the schema
    await target.query(`CREATE TABLE IF NOT EXISTS "${target.schema}".crash_completions (job_id text NOT NULL, pid integer NOT NULL)`);

    const producer = await target.createBackend();
    const hopper = createHopper({ backend: producer, jobs: [CrashJob], logger: silent });
    const jobIds = await hopper.enqueueAll(CrashJob, Array.from({ length: jobCount }, () => ({ schema: target.schema })), { queue });

    const child = spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", workerScript], {
      cwd: repositoryRoot,
      env: { ...process.env, CRASH_SCHEMA: target.schema, CRASH_QUEUE: queue, CRASH_JOB_WORK_MS: "400" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_code, signal) => resolve(signal)));

    // Kill it mid-flight: some jobs done, others held under a live lease (its heartbeat keeps them leased).
    const completions = async () => target.query<{ job_id: string; pid: number }>(`SELECT job_id, pid FROM "${target.schema}".crash_completions`);
    await until(async () => {
      if (child.exitCode !== null) throw new Error(`the worker process exited early with code ${child.exitCode}`);
      return (await completions()).length >= 5;
    });
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const doneByChild = new Set((await completions()).map((row) => row.job_id)).size;
    const heldAtKill = (await producer.stats!(queue)).inFlight;
    expect(heldAtKill).toBeGreaterThan(0);

    const worker = hopper.worker({ queues: [queue], concurrency: 10, lease: "5s", pollWait: "200ms", handleSignals: false });
    const running = worker.run();
    await until(async () => new Set((await completions()).map((row) => row.job_id)).size >= jobCount);
    await worker.stop();
    await running;
    await hopper.close();

    const rows = await completions();
    const completed = new Set(rows.map((row) => row.job_id));
    expect([...completed].sort()).toEqual([...jobIds].sort());
    const duplicates = rows.length - completed.size;
    console.log(`[crash test] ${jobCount} jobs, ${doneByChild} done by the killed worker, ${heldAtKill} held at SIGKILL, all completed; duplicates: ${duplicates}`);
  });
});

async function until(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

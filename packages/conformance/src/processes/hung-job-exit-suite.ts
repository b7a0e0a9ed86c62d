import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper, HUNG_JOB_EXIT_CODE, type Hopper } from "@hopper/core";
import { waitFor } from "../harness.js";
import { hungJobClass } from "./hung-job.js";

export interface HungJobExitSuiteOptions {
  readonly name: string;
  /** A backend URL that separate processes share. */
  readonly backendUrl: string;
}

const fixture = fileURLToPath(new URL("./test-hung-job-worker.ts", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../../../../", import.meta.url));

/**
 * A worker process told to exit once a job ignores its timeout past a bound
 * (`exitOnHungJob`) exits non-zero with a log line naming the job, without
 * acking it; another worker then runs the job as its next attempt.
 */
export function runHungJobExitSuite(options: HungJobExitSuiteOptions): void {
  describe(`${options.name}: a worker process with exitOnHungJob`, () => {
    /** Spawns a worker whose job hangs, waits for its exit, and returns the job's id and what the process wrote. */
    const runUntilExit = async (queue: string, hopper: Hopper, HungJob: ReturnType<typeof hungJobClass>, env: Record<string, string>) => {
      const child = spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", fixture], {
        cwd: repositoryRoot,
        env: { ...process.env, HOPPER_URL: options.backendUrl, FIXTURE_QUEUE: queue, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
      try {
        const id = await HungJob.performLater({});
        const exit = await exited;
        expect(stdout).toContain(`started ${id} 1\n`);
        expect(stdout).not.toContain("worker returned");
        expect(exit).toEqual({ code: HUNG_JOB_EXIT_CODE, signal: null });
        const line = stderr.split("\n").find((text) => text.includes(id) && /exit/i.test(text));
        expect(line, stderr).toBeDefined();
        expect(line).toMatch(/HungJob/);
        return id;
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
    };
    /** Not acked: once its lease ends, another worker runs it as the next attempt. */
    const runAgain = async (hopper: Hopper, queue: string, attempts: number[]) => {
      const worker = hopper.worker({ queues: [queue], concurrency: 1, lease: "2s", pollWait: "200ms", handleSignals: false });
      const running = worker.run();
      try {
        await waitFor(() => attempts.length > 0, "the job to run again in another worker", 30_000);
      } finally {
        await worker.stop({ timeout: 1000 });
        await running;
      }
      expect(attempts).toEqual([2]);
    };

    it("exits with HUNG_JOB_EXIT_CODE once the job is past the bound, and the job runs again elsewhere", { timeout: 90_000 }, async () => {
      const queue = `hung-${randomUUID().slice(0, 8)}`;
      const attempts: number[] = [];
      const HungJob = hungJobClass(queue, async (context) => {
        attempts.push(context.attempt);
      });
      const hopper = createHopper({ url: options.backendUrl, jobs: [HungJob], logger: createConsoleLogger("silent") });
      try {
        await runUntilExit(queue, hopper, HungJob, { HUNG_AFTER: "500ms" });
        await runAgain(hopper, queue, attempts);
      } finally {
        await hopper.close();
      }
    });

    it("with records on, writes the job's record hung before it exits, even when the bound comes before the hung report", { timeout: 90_000 }, async () => {
      const queue = `hung-${randomUUID().slice(0, 8)}`;
      const attempts: number[] = [];
      const HungJob = hungJobClass(queue, async (context) => {
        attempts.push(context.attempt);
      });
      const hopper = createHopper({ url: options.backendUrl, jobs: [HungJob], logger: createConsoleLogger("silent"), records: {} });
      try {
        // 100 ms past the timeout: before the run's first report (a second after it), so only the exit's own wait writes it.
        const id = await runUntilExit(queue, hopper, HungJob, { HUNG_AFTER: "100ms", FIXTURE_RECORDS: "on" });
        const record = await hopper.jobs.get(id);
        expect(record).toMatchObject({ state: "running", attempt: 1, hung: true, error: { name: "JobTimeoutError" } });
        expect(record!.error!.message).toMatch(/past its timeout of 200 ms and ignores its signal/);
        await runAgain(hopper, queue, attempts);
        // Another attempt runs: not hung, the hung one's error kept as the last error.
        // Its success clears the hung run's error (on Redis a short ack of a claim riding in the message).
        expect(await hopper.jobs.wait(id, { timeout: "30s" })).toMatchObject({ state: "succeeded", attempt: 2, hung: false, error: null });
      } finally {
        await hopper.close();
      }
    });
  });
}

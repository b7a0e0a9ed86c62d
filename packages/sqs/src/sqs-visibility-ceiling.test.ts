import { describe, expect, it } from "vitest";
import { createHopper, Job, LeaseLostError, type JobContext } from "@hopper/core";
import { createTestBackend, sqsEndpoint } from "./test-sqs-service.js";

// SQS keeps a received message invisible at most 12 h past its receive and refuses a ChangeMessageVisibility beyond
// that. A job running that long cannot keep its lease: the renewal is refused here, by a message naming the ceiling,
// the worker gives the job up before the lease it holds ends, and SQS delivers it again. The ceiling is declared
// shrunk (maxNackDelaySeconds: 3, a 1 s lease): fauxqs does not enforce SQS's own.
describe.skipIf(!sqsEndpoint)("sqs: a job running past the visibility ceiling", () => {
  it("is given up before its lease ends, with a warning naming the ceiling, and runs again from a new delivery", async () => {
    const lines: { level: string; message: string; error?: string }[] = [];
    const keep = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, error: (fields?.error as Error | undefined)?.message });
    const runs: { attempt: number; reason?: unknown }[] = [];
    const queue = `ceiling${Date.now().toString(36)}`;
    class LongRun extends Job<Record<string, never>> {
      static override queue = queue;
      async perform(_args: Record<string, never>, context: JobContext): Promise<void> {
        const run: (typeof runs)[number] = { attempt: context.attempt };
        runs.push(run);
        if (context.attempt > 1) return;
        // Held until the worker gives the job up (the bound only keeps a broken run from hanging the test).
        await new Promise<void>((resolve) => {
          const bound = setTimeout(resolve, 15_000);
          context.signal.addEventListener("abort", () => (clearTimeout(bound), resolve()), { once: true });
        });
        run.reason = context.signal.reason;
      }
    }
    const hopper = createHopper({ backend: createTestBackend(sqsEndpoint!, { maxNackDelaySeconds: 3 }), jobs: [LongRun], logger: { debug: keep("debug"), info: keep("info"), warn: keep("warn"), error: keep("error") } });
    const worker = hopper.worker({ queues: [queue], lease: "1s", concurrency: 1, handleSignals: false, pollWait: "1s" });
    const running = worker.run();
    try {
      await LongRun.performLater({});
      const deadline = Date.now() + 20_000;
      while (runs.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(runs.map((run) => run.attempt)).toEqual([1, 2]);
      expect(runs[0]!.reason).toBeInstanceOf(LeaseLostError);
      const refusals = lines.filter((line) => line.level === "warn" && line.message === "lease extension failed");
      expect(refusals.length).toBeGreaterThan(0);
      for (const refusal of refusals) expect(refusal.error).toContain("SQS keeps a received message invisible at most 3 s past its receive");
    } finally {
      await worker.stop();
      await running;
      await hopper.close();
    }
  }, 30_000);
});

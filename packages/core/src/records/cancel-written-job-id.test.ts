// A job that writes ctx.jobId (a plain field) must still be reachable by a cancel of its own id: the watch
// reads the envelope's id (review of the per-run cancel watch).
import { afterEach, expect, it } from "vitest";
import { createConsoleLogger, createHopper, Job, JobCancelledError, type Hopper, type JobContext } from "@hopper/core";
import { createMemoryBackend } from "@hopper/core/memory";

const silent = createConsoleLogger("silent");
const opened: Hopper[] = [];
afterEach(async () => { await Promise.all(opened.splice(0).map((hopper) => hopper.close())); });

it("a cancel reaches a running job whose code wrote ctx.jobId (the watch reads the envelope's id)", async () => {
  const queue = `cancel-written-id-${Date.now().toString(36)}`;
  let started = false;
  let outcome: unknown = "still running";
  class Long extends Job<Record<string, never>> {
    static override queue = queue;
    async perform(_args: Record<string, never>, ctx: JobContext) {
      const signal: AbortSignal = ctx.signal;
      (ctx as { jobId: string }).jobId = "not-mine"; // a job (or middleware) that writes the plain field
      started = true;
      await new Promise<void>((resolve) => {
        signal.addEventListener("abort", () => resolve(), { once: true });
        setTimeout(resolve, 4000);
      });
      outcome = signal.aborted ? signal.reason : "not aborted after 4 s";
    }
  }
  const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Long], logger: silent, records: { cancelCheck: 200 } });
  opened.push(hopper);
  const [id] = await hopper.enqueueAll(Long, [{}]);
  const worker = hopper.worker({ queues: [queue], pollWait: 20, handleSignals: false });
  const running = worker.run();
  while (!started) await new Promise((r) => setTimeout(r, 10));
  await hopper.jobs.cancel(id!);
  while (outcome === "still running") await new Promise((r) => setTimeout(r, 20));
  await worker.stop({ timeout: 5000 });
  await running;
  expect(JobCancelledError.isInstance(outcome), String(outcome)).toBe(true);
}, 15_000);

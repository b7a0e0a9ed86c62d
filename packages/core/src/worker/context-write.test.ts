// ctx.queue and ctx.jobId are plain fields of the JobRun (an accessor per run cost a defineProperty each): a job
// (or perform middleware) that writes them changes only its own view, not where its retry or dead letter goes.
import { afterEach, expect, it } from "vitest";
import { createHopper, type Hopper } from "../hopper.js";
import { Job, type JobContext } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { until } from "../test-fixtures/until.js";

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

it("a job that writes ctx.queue still dead-letters to its own queue", async () => {
  const queue = `ctx-write-${Date.now().toString(36)}`;
  const other = `${queue}-elsewhere`;
  let ran = 0;
  class Sloppy extends Job<Record<string, never>> {
    static override queue = queue;
    static override retry = { attempts: 1 };
    async perform(_args: Record<string, never>, context: JobContext) {
      ran += 1;
      try {
        (context as { queue: string }).queue = other;
      } catch {
        // a read-only context member may refuse the write: either way the dead letter stays
      }
      throw new Error("boom");
    }
  }
  const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Sloppy], logger: createConsoleLogger("silent") });
  hoppers.push(hopper);
  await Sloppy.performLater({});
  const worker = hopper.worker({ pollWait: 50, handleSignals: false });
  const running = worker.run();
  await until(() => ran > 0, "the job to run");
  let own: unknown[] = [];
  let moved: unknown[] = [];
  await until(async () => {
    own = await hopper.deadLetters(queue).peek({ max: 5 });
    moved = await hopper.deadLetters(other).peek({ max: 5 });
    return own.length + moved.length > 0;
  }, "a dead letter");
  await worker.stop();
  await running;
  expect(moved).toHaveLength(0);
  expect(own).toHaveLength(1);
});

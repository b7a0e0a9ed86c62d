import { afterEach, describe, expect, it } from "vitest";
import { createHopper, type Hopper } from "../hopper.js";
import { Job, type JobContext } from "../job.js";
import type { Logger } from "../logger.js";
import type { Middleware } from "../middleware.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { discardOn } from "../retry-policy.js";

interface Line {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

function recordingLogger(lines: Line[]): Logger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields: { ...fields } });
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

class Gone extends Error {
  override name = "Gone";
}

const queue = "log-fields";
class Fine extends Job<{ n: number }> {
  static override jobName = "Fine";
  static override queue = queue;
  async perform(_args: { n: number }, context: JobContext) {
    context.logger.info("inside perform", { step: 1 });
  }
}
/** Fails both of its attempts: one retry, then the dead letters. */
class Doomed extends Job<{ n: number }> {
  static override jobName = "Doomed";
  static override queue = queue;
  static override retry = { attempts: 2, wait: 10, jitter: 0 };
  async perform() {
    throw new RangeError("doomed");
  }
}
class Dropped extends Job<{ n: number }> {
  static override jobName = "Dropped";
  static override queue = queue;
  static override retry = { rules: [discardOn(Gone)] };
  async perform() {
    throw new Gone("the row is gone");
  }
}

/** Stands in for a tracing middleware: what it adds to the run's log fields. */
const marking: Middleware = {
  perform(context, next) {
    context.logFields.trace_id = `trace-of-${context.context.jobId}`;
    return next();
  },
};

let hopper: Hopper | undefined;
afterEach(async () => hopper?.close());

describe("the worker's log lines about a job", () => {
  it("every lifecycle line carries the job's id, name, queue, attempt and backend, the run's fields from middleware, and its duration and error once it ended", async () => {
    const lines: Line[] = [];
    hopper = createHopper({ backend: createMemoryBackend({ store: "worker-log-fields" }), jobs: [Fine, Doomed, Dropped], logger: recordingLogger(lines), middleware: [marking] });
    const ids = { Fine: await Fine.performLater({ n: 1 }), Doomed: await Doomed.performLater({ n: 2 }), Dropped: await Dropped.performLater({ n: 3 }) };
    const worker = hopper.worker({ queues: [queue], pollWait: 20, handleSignals: false });
    const running = worker.run();
    const deadline = Date.now() + 10_000;
    while (!lines.some((line) => line.message === "job dead-lettered") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await worker.stop();
    await running;

    const about = (jobId: string) => lines.filter((line) => line.fields.jobId === jobId).map((line) => [line.level, line.message]);
    expect(about(ids.Fine)).toEqual([
      ["debug", "job started"],
      ["info", "inside perform"],
      ["debug", "job succeeded"],
    ]);
    expect(about(ids.Doomed)).toEqual([
      ["debug", "job started"],
      ["info", "job failed; retrying"],
      ["debug", "job started"],
      ["error", "job dead-lettered"],
    ]);
    expect(about(ids.Dropped)).toEqual([
      ["debug", "job started"],
      ["warn", "job discarded"],
    ]);

    for (const [job, jobId] of Object.entries(ids)) {
      for (const line of lines.filter((candidate) => candidate.fields.jobId === jobId)) {
        expect(line.fields, `${line.message} (${job})`).toMatchObject({ jobId, job, queue, backend: "memory", trace_id: `trace-of-${jobId}` });
        expect(line.fields.attempt, `${line.message} (${job})`).toEqual(expect.any(Number));
      }
    }
    const line = (jobId: string, message: string) => lines.filter((candidate) => candidate.fields.jobId === jobId && candidate.message === message);
    expect(line(ids.Fine, "inside perform")[0]!.fields).toMatchObject({ step: 1, attempt: 1 });
    expect(line(ids.Fine, "job succeeded")[0]!.fields).toMatchObject({ attempt: 1, durationMs: expect.any(Number) });
    expect(line(ids.Doomed, "job failed; retrying")[0]!.fields).toMatchObject({ attempt: 1, durationMs: expect.any(Number), error: expect.objectContaining({ name: "RangeError" }) });
    expect(line(ids.Doomed, "job dead-lettered")[0]!.fields).toMatchObject({ attempt: 2, durationMs: expect.any(Number), error: expect.objectContaining({ name: "RangeError" }) });
    expect(line(ids.Dropped, "job discarded")[0]!.fields).toMatchObject({ attempt: 1, durationMs: expect.any(Number), error: expect.objectContaining({ name: "Gone" }) });
    expect(line(ids.Fine, "job started")[0]!.fields).not.toHaveProperty("durationMs");
  });
});

import { createConsoleLogger, createHopper, Job, type Hopper, type JobContext } from "@hopper/core";
import { waitFor } from "@hopper/conformance";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { postgresTargets, uniqueQueue } from "./test-postgres-targets.js";

/**
 * A rolling deploy from the records layout before migration 5 (every unfinished record a job_records row,
 * written by the enqueue and started by the claim there: `createOlderRecordsBackend`, the same statements
 * with `messageRows: false`) to this one (an unfinished record in its message row). Jobs enqueued by either
 * are run by the other; a cancel from this release reaches a waiting job whoever enqueued it; every record
 * ends right, read from this release on the way. The older release reads job_records only: a job this release
 * enqueued has no record there until the older worker starts it (its `get` answers undefined while it waits).
 */
describe.each(postgresTargets().map((target) => [target.name, target] as const))("%s: records across a rolling deploy to records in message rows", (_name, target) => {
  beforeAll(() => target.query("SELECT 1"), 120_000);
  const opened: Hopper[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((hopper) => hopper.close()));
  });
  const logger = createConsoleLogger(process.env.HOPPER_LOG_LEVEL ? undefined : "silent");

  const scenario = async (enqueuedBy: "older" | "this", runBy: "older" | "this") => {
    const queue = uniqueQueue("rolling");
    const performed: number[] = [];
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    class Gated extends Job<{ n: number }> {
      static override queue = queue;
      static override jobName = "RollingRecords";
      async perform({ n }: { n: number }, _context: JobContext) {
        performed.push(n);
        await gate;
        return { n };
      }
    }
    const hopperOn = async (release: "older" | "this") => {
      const backend = release === "this" ? await target.createBackend() : await target.createOlderRecordsBackend();
      const hopper = createHopper({ backend, jobs: [Gated], logger, records: { cancelCheck: "100ms" } });
      opened.push(hopper);
      return hopper;
    };
    const hoppers = { older: await hopperOn("older"), this: await hopperOn("this") };
    const current = hoppers.this;
    const enqueue = (n: number) => hoppers[enqueuedBy].enqueue(Gated, { n });
    const [runs, cancelled] = [await enqueue(1), await enqueue(2)];
    expect(await current.jobs.get(runs)).toMatchObject({ state: "waiting", attempt: 0 });
    expect(await current.jobs.cancel(cancelled)).toMatchObject({ cancelled: true, state: "cancelled" });
    expect(await current.jobs.get(cancelled)).toMatchObject({ state: "cancelled" });

    const worker = hoppers[runBy].worker({ queues: [queue], concurrency: 2, pollWait: 100, handleSignals: false });
    const running = worker.run();
    try {
      await waitFor(async () => (await current.jobs.get(runs))?.state === "running", `job ${runs} running`);
      expect(await current.jobs.get(runs)).toMatchObject({ state: "running", attempt: 1 });
      release();
      await waitFor(async () => (await current.jobs.get(runs))?.state === "succeeded", `job ${runs} succeeded`);
      await waitFor(async () => Number((await target.query<{ count: string }>(`SELECT count(*) FROM "${target.schema}".messages WHERE queue = $1`, [queue]))[0]!.count) === 0, "both messages acked");
    } finally {
      await worker.stop();
      await running;
    }
    expect(performed).toEqual([1]);
    for (const hopper of [hoppers.older, hoppers.this]) {
      expect(await hopper.jobs.get(runs)).toMatchObject({ state: "succeeded", attempt: 1, result: { n: 1 } });
      expect(await hopper.jobs.get(cancelled)).toMatchObject({ state: "cancelled" });
    }
  };

  for (const enqueuedBy of ["older", "this"] as const) {
    for (const runBy of ["older", "this"] as const) {
      it(`enqueued by ${enqueuedBy}, run by ${runBy}: the cancelled job never runs, the other ends succeeded`, { timeout: 60_000 }, () => scenario(enqueuedBy, runBy));
    }
  }

  it("the older release cannot see a waiting job this one enqueued until it starts it", { timeout: 60_000 }, async () => {
    const queue = uniqueQueue("rolling");
    class Idle extends Job<Record<string, never>> {
      static override queue = queue;
      static override jobName = "RollingIdle";
      async perform() {}
    }
    const [older, current] = [await target.createOlderRecordsBackend(), await target.createBackend()];
    const hoppers = [older, current].map((backend) => createHopper({ backend, jobs: [Idle], logger, records: {} }));
    opened.push(...hoppers);
    const id = await hoppers[1]!.enqueue(Idle, {});
    expect(await hoppers[1]!.jobs.get(id)).toMatchObject({ state: "waiting" });
    expect(await hoppers[0]!.jobs.get(id)).toBeNull();
  });
});

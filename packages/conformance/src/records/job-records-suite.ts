import { afterEach, describe, expect, it } from "vitest";
import {
  ConfigurationError,
  createConsoleLogger,
  createHopper,
  discardOn,
  Job,
  JobCancelledError,
  JobNotFoundError,
  JobRecordValueError,
  JobTimeoutError,
  JobWaitTimeoutError,
  type Hopper,
  type HopperOptions,
  type JobClass,
  type JobContext,
  type Logger,
  type RecordStore,
} from "@hopper/core";
import { sleep, uniqueQueueName, waitFor } from "../harness.js";

export interface JobRecordsSuiteOptions {
  readonly name: string;
  /** Where a Hopper sends its jobs: `{ url }` or `{ backend }` (a fresh backend per call, on a shared server). */
  readonly connect: () => Promise<Pick<HopperOptions, "url" | "backend">>;
  /** A record store for backends without their own (SQS, Pub/Sub); a fresh one per call, on a shared server. */
  readonly createRecordStore?: () => Promise<RecordStore>;
  /** Each worker renews its lease this often at least; default "20s". */
  readonly lease?: string;
}

class DiscardMe extends Error {}

/** Job records end to end, through `hopper.jobs`, a worker and `ctx.progress`, on a real backend. */
export function runJobRecordsSuite(options: JobRecordsSuiteOptions): void {
  describe(`${options.name} job records`, () => {
    const opened: Hopper[] = [];
    const stops: (() => Promise<void>)[] = [];
    afterEach(async () => {
      await Promise.all(stops.splice(0).map((stop) => stop()));
      await Promise.all(opened.splice(0).map((hopper) => hopper.close()));
    });

    const logLines: { message: string; fields?: Record<string, unknown> }[] = [];
    const quiet = createConsoleLogger(process.env.HOPPER_LOG_LEVEL ? undefined : "silent");
    const logger: Logger = {
      ...quiet,
      info(message, fields) {
        logLines.push({ message, fields });
        quiet.info(message, fields);
      },
    };
    /** `records: null` leaves records off. */
    const open = async (jobs: readonly JobClass[], records: HopperOptions["records"] | null = {}) => {
      const store = options.createRecordStore && records !== null ? { store: await options.createRecordStore() } : {};
      const hopper = createHopper({ ...(await options.connect()), jobs, logger, ...(records !== null && { records: { ...records, ...store } }) });
      opened.push(hopper);
      return hopper;
    };
    const startWorker = (hopper: Hopper, queue: string) => {
      const worker = hopper.worker({ queues: [queue], concurrency: 2, pollWait: 300, lease: options.lease ?? "20s", handleSignals: false });
      const running = worker.run();
      stops.push(async () => {
        await worker.stop({ timeout: 5000 });
        await running;
      });
    };

    it("follows a job from waiting to succeeded, with its progress and result", async () => {
      const queue = uniqueQueueName("rec-ok");
      class Report extends Job<{ rows: number }, { total: number }> {
        static override queue = queue;
        async perform({ rows }: { rows: number }, context: JobContext) {
          await context.progress({ done: rows / 2, of: rows });
          await context.progress(100);
          return { total: rows * 2 };
        }
      }
      const hopper = await open([Report]);
      const id = await Report.performLater({ rows: 8 });
      const waiting = await hopper.jobs.get(id);
      expect(waiting).toMatchObject({ id, job: "Report", queue, state: "waiting", attempt: 0, progress: null, result: null, error: null, startedAt: null, finishedAt: null, runAt: null });
      expect(waiting!.enqueuedAt).toBeInstanceOf(Date);
      startWorker(hopper, queue);
      const done = await hopper.jobs.wait(id, { timeout: "30s" });
      expect(done).toMatchObject({ state: "succeeded", attempt: 1, progress: 100, result: { total: 16 }, error: null });
      expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(waiting!.enqueuedAt.getTime() - 1000);
      expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(done.startedAt!.getTime());
    });

    it("tells hopper.events in another Hopper each change of a job, with its progress", async () => {
      const queue = uniqueQueueName("rec-events");
      class Counted extends Job<Record<string, never>, string> {
        static override queue = queue;
        static override retry = { attempts: 2, wait: 10, jitter: 0 };
        async perform(_args: Record<string, never>, context: JobContext) {
          await context.progress({ step: context.attempt });
          if (context.attempt === 1) throw new Error("first try fails");
          return "done";
        }
      }
      const hopper = await open([Counted]);
      const listener = await open([]);
      const seen: string[] = [];
      const ids = new Set<string>();
      const startedAs: string[] = [];
      const stop = await listener.events.on("*", (event) => {
        if (!ids.has(event.id)) return;
        seen.push(event.name === "job-progress" ? `${event.name} ${JSON.stringify(event.progress)}` : `${event.name} ${event.attempt}`);
        if (event.name === "job-start") startedAs.push(`${event.job} on ${event.queue}`);
      });
      let succeeded = 0;
      await listener.events.on("job-succeed", (event) => void (ids.has(event.id) && succeeded++));
      const id = await hopper.enqueue(Counted, {}, {});
      ids.add(id);
      startWorker(hopper, queue);
      await waitFor(() => succeeded === 1, "the job-succeed event");
      await stop();
      // The enqueue event may come before the id is known to the test; the rest arrive in order.
      expect(seen.filter((line) => !line.startsWith("job-enqueue"))).toEqual(['job-start 1', 'job-progress {"step":1}', "job-retry 1", "job-start 2", 'job-progress {"step":2}', "job-succeed 2"]);
      // A start names its job and queue, however the store learns them (on Redis a claim riding in the message reads the name only while someone listens).
      expect(startedAs).toEqual([`Counted on ${queue}`, `Counted on ${queue}`]);
    });

    it("coalesces progress from a tight loop: one write in flight, the latest value wins, the last written before the outcome", async () => {
      const queue = uniqueQueueName("rec-progress");
      const calls = 500;
      class Loops extends Job<Record<string, never>, string> {
        static override queue = queue;
        async perform(_args: Record<string, never>, context: JobContext) {
          // Not awaited, as a loop reporting each row does: every call must still be kept or superseded.
          for (let row = 1; row <= calls; row++) void context.progress(row);
          return "looped";
        }
      }
      const hopper = await open([Loops]);
      const listener = await open([]);
      // Each progress write publishes one event from the store itself: the events count the writes.
      const written: unknown[] = [];
      let succeeded = false;
      let id: string | undefined;
      const stop = await listener.events.on("*", (event) => {
        if (event.id !== id) return;
        if (event.name === "job-progress") written.push(event.progress);
        if (event.name === "job-succeed") succeeded = true;
      });
      id = await Loops.performLater({});
      startWorker(hopper, queue);
      await waitFor(() => succeeded, "the job-succeed event");
      await stop();
      // The first call goes at once; the others coalesce behind it into one write of the last value.
      expect(written).toEqual([1, calls]);
      expect(await hopper.jobs.get(id)).toMatchObject({ state: "succeeded", progress: calls, result: "looped" });
    });

    it("shows a failed attempt as retrying with its error and next run, and cancels it there", async () => {
      const queue = uniqueQueueName("rec-retry");
      let runs = 0;
      class Flaky extends Job<Record<string, never>> {
        static override queue = queue;
        static override retry = { attempts: 3, wait: "1h", jitter: 0 };
        async perform() {
          runs++;
          throw new Error("smtp down");
        }
      }
      const hopper = await open([Flaky]);
      const id = await Flaky.performLater({});
      startWorker(hopper, queue);
      await waitFor(async () => (await hopper.jobs.get(id))?.state === "retrying", "the retrying state");
      const retrying = (await hopper.jobs.get(id))!;
      expect(retrying).toMatchObject({ attempt: 1, error: { name: "Error", message: "smtp down" }, finishedAt: null });
      expect(retrying.runAt!.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
      expect(await hopper.jobs.cancel(id)).toEqual({ cancelled: true, stopping: false, state: "cancelled" });
      expect((await hopper.jobs.get(id))!.state).toBe("cancelled");
      expect(runs).toBe(1);
    });

    it("keeps nothing of a retry or a delay once the job succeeds: no error, no runAt, the last attempt's start", async () => {
      const queue = uniqueQueueName("rec-retried");
      class FlakyOnce extends Job<{ fail: boolean }, string> {
        static override queue = queue;
        static override retry = { attempts: 3, wait: 10, jitter: 0 };
        async perform({ fail }: { fail: boolean }, context: JobContext) {
          if (fail && context.attempt === 1) throw new Error("flaky");
          return "done";
        }
      }
      const hopper = await open([FlakyOnce]);
      const retried = await FlakyOnce.performLater({ fail: true });
      const delayed = await FlakyOnce.set({ wait: 50 }).performLater({ fail: false });
      startWorker(hopper, queue);
      const first = await hopper.jobs.wait(retried, { timeout: "30s" });
      expect(first).toMatchObject({ state: "succeeded", attempt: 2, result: "done", error: null, runAt: null });
      expect(first.startedAt!.getTime()).toBeLessThanOrEqual(first.finishedAt!.getTime());
      const second = await hopper.jobs.wait(delayed, { timeout: "30s" });
      expect(second).toMatchObject({ state: "succeeded", attempt: 1, result: "done", error: null, runAt: null });
      expect(second.startedAt).toBeInstanceOf(Date);
    });

    it("ends in failed when a job is discarded, and in dead when its attempts run out", async () => {
      const queue = uniqueQueueName("rec-fail");
      class Doomed extends Job<{ discard: boolean }> {
        static override queue = queue;
        static override retry = { attempts: 2, wait: 10, jitter: 0, rules: [discardOn(DiscardMe)] };
        async perform({ discard }: { discard: boolean }, context: JobContext) {
          if (discard) throw new DiscardMe("not wanted");
          throw new Error(`boom ${context.attempt}`);
        }
      }
      const hopper = await open([Doomed]);
      const discarded = await Doomed.performLater({ discard: true });
      const exhausted = await Doomed.performLater({ discard: false });
      startWorker(hopper, queue);
      expect(await hopper.jobs.wait(discarded, { timeout: "30s" })).toMatchObject({ state: "failed", attempt: 1, error: { message: "not wanted" }, result: null });
      const dead = await hopper.jobs.wait(exhausted, { timeout: "30s" });
      expect(dead).toMatchObject({ state: "dead", attempt: 2, error: { name: "Error", message: "boom 2" } });
      expect(dead.finishedAt).toBeInstanceOf(Date);
      // Listed by state, as the backend's own calls wrote them (the ack, where records ride with it).
      expect((await hopper.jobs.list({ state: "dead", queue })).records.map((record) => record.id)).toEqual([exhausted]);
      expect((await hopper.jobs.list({ state: "failed", queue, job: "Doomed" })).records.map((record) => record.id)).toEqual([discarded]);
    });

    it("never starts a scheduled job cancelled from another Hopper", async () => {
      const queue = uniqueQueueName("rec-cancel");
      const ran: string[] = [];
      class Later extends Job<{ label: string }> {
        static override queue = queue;
        async perform({ label }: { label: string }) {
          ran.push(label);
        }
      }
      const hopper = await open([Later]);
      const scheduled = await Later.set({ wait: "2s" }).performLater({ label: "scheduled" });
      const queued = await Later.performLater({ label: "queued" });
      expect(await hopper.jobs.get(scheduled)).toMatchObject({ state: "scheduled" });
      // Another process: its own Hopper on the same server, registering no jobs.
      const elsewhere = await open([]);
      expect(await elsewhere.jobs.cancel(scheduled)).toEqual({ cancelled: true, stopping: false, state: "cancelled" });
      expect(await elsewhere.jobs.cancel(queued)).toEqual({ cancelled: true, stopping: false, state: "cancelled" });
      startWorker(hopper, queue);
      const dropped = () => logLines.filter((line) => line.message.startsWith("job cancelled before it started") && [scheduled, queued].includes(String(line.fields?.jobId))).length;
      await waitFor(() => dropped() === 2, "the worker dropping both cancelled jobs");
      expect(ran).toEqual([]);
      expect(await hopper.jobs.get(scheduled)).toMatchObject({ state: "cancelled", attempt: 0, startedAt: null });
      expect((await hopper.jobs.get(queued))!.finishedAt).toBeInstanceOf(Date);
    });

    it("says held, by payload-version, with when it returns, for a job too new for the worker that received it; cancelled there, it never runs", async () => {
      const queue = uniqueQueueName("rec-held");
      const ran: number[] = [];
      class NewReport extends Job<{ n: number }> {
        static override jobName = "HeldReport";
        static override queue = queue;
        static override version = 2;
        static override upgrades = { 1: (old: { n: number }) => old };
        async perform() {}
      }
      class OldReport extends Job<{ n: number }> {
        static override jobName = "HeldReport";
        static override queue = queue;
        async perform({ n }: { n: number }) {
          ran.push(n);
        }
      }
      // A producer of the next release enqueues; a worker of this release receives it.
      await open([NewReport]);
      const id = await NewReport.performLater({ n: 1 });
      const worker = await open([OldReport]);
      startWorker(worker, queue);
      let record = await worker.jobs.get(id);
      await waitFor(async () => (record = await worker.jobs.get(id))?.state === "held", "the too-new job's record to say held");
      expect(record).toMatchObject({ state: "held", heldBy: "payload-version", attempt: 0 });
      expect(record!.runAt!.getTime()).toBeGreaterThan(Date.now());
      expect(await worker.jobs.cancel(id)).toEqual({ cancelled: true, stopping: false, state: "cancelled" });
      expect(ran).toEqual([]);
    });

    it("stops a running job cancelled from another Hopper: its signal aborts and it ends cancelled, not retried", async () => {
      const queue = uniqueQueueName("rec-stop");
      const reasons: unknown[] = [];
      class Endless extends Job<Record<string, never>> {
        static override queue = queue;
        static override retry = { attempts: 5, wait: 10, jitter: 0 };
        async perform(_args: Record<string, never>, context: JobContext) {
          await context.progress(1);
          await new Promise<void>((_resolve, reject) => {
            context.signal.addEventListener("abort", () => {
              reasons.push(context.signal.reason);
              reject(new Error("stopped"));
            });
          });
        }
      }
      const hopper = await open([Endless], { cancelCheck: 100 });
      const id = await Endless.performLater({});
      startWorker(hopper, queue);
      await waitFor(async () => (await hopper.jobs.get(id))?.progress === 1, "the job running");
      const elsewhere = await open([]);
      expect(await elsewhere.jobs.cancel(id)).toEqual({ cancelled: false, stopping: true, state: "running" });
      expect((await elsewhere.jobs.get(id))!.cancelRequested).toBe(true);
      const record = await elsewhere.jobs.wait(id, { timeout: "30s" });
      expect(record).toMatchObject({ state: "cancelled", attempt: 1 });
      expect(reasons).toHaveLength(1);
      expect(JobCancelledError.isInstance(reasons[0])).toBe(true);
      expect(await elsewhere.jobs.cancel(id)).toEqual({ cancelled: true, stopping: false, state: "cancelled" });
    });

    it("lets a running job that ignores its signal finish, and refuses to cancel a finished job", async () => {
      const queue = uniqueQueueName("rec-busy");
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      class Stubborn extends Job<Record<string, never>> {
        static override queue = queue;
        async perform(_args: Record<string, never>, context: JobContext) {
          await released;
          return context.signal.aborted ? "finished anyway" : "not aborted";
        }
      }
      const hopper = await open([Stubborn], { cancelCheck: 100 });
      const id = await Stubborn.performLater({});
      startWorker(hopper, queue);
      await waitFor(async () => (await hopper.jobs.get(id))?.state === "running", "the running state");
      expect(await hopper.jobs.cancel(id)).toEqual({ cancelled: false, stopping: true, state: "running" });
      await waitFor(() => logLines.some((line) => line.message.startsWith("job cancelled while running; aborting") && line.fields?.jobId === id), "the worker aborting its signal");
      release();
      // What it returned stands: the cancel came too late to stop it.
      expect(await hopper.jobs.wait(id, { timeout: "30s" })).toMatchObject({ state: "succeeded", result: "finished anyway" });
      expect(await hopper.jobs.cancel(id)).toEqual({ cancelled: false, stopping: false, state: "succeeded" });
    });

    it("says in the record and in another Hopper's hopper.events when a running job ignores its timeout", async () => {
      const queue = uniqueQueueName("rec-hung");
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      class Hangs extends Job<Record<string, never>> {
        static override queue = queue;
        static override timeout = "200ms";
        static override retry = { attempts: 2, rules: [discardOn(JobTimeoutError)] };
        async perform() {
          await released; // ignores its signal
        }
      }
      const hopper = await open([Hangs]);
      const listener = await open([]);
      const ids = new Set<string>();
      const seen: string[] = [];
      const stop = await listener.events.on("*", (event) => void (ids.has(event.id) && seen.push(`${event.name} ${event.attempt}`)));
      const id = await Hangs.performLater({});
      ids.add(id);
      startWorker(hopper, queue);
      try {
        await waitFor(async () => (await listener.jobs.get(id))?.hung === true, "the record saying hung");
        const hung = (await listener.jobs.get(id))!;
        expect(hung).toMatchObject({ state: "running", attempt: 1, hung: true, error: { name: "JobTimeoutError" } });
        expect(Object.keys(hung.error!).sort()).toEqual(["message", "name"]);
        expect(hung.error!.message).toMatch(/past its timeout of 200 ms and ignores its signal/);
        await waitFor(() => seen.includes("job-hang 1"), "the job-hang event");
      } finally {
        release();
      }
      // Once perform returns, the attempt fails as timed out: the record is no longer hung.
      const failed = await listener.jobs.wait(id, { timeout: "30s" });
      expect(failed).toMatchObject({ state: "failed", attempt: 1, hung: false, error: { name: "JobTimeoutError" } });
      expect(failed.error!.message).toMatch(/ran past its timeout of 200 ms/);
      await stop();
      expect(seen.filter((line) => !line.startsWith("job-enqueue"))).toEqual(["job-start 1", "job-hang 1", "job-fail 1"]);
    });

    it("fails a job whose result is over the bound, naming it, without retrying", async () => {
      const queue = uniqueQueueName("rec-big");
      let runs = 0;
      class Big extends Job<Record<string, never>> {
        static override queue = queue;
        static override retry = { attempts: 3, wait: 10, jitter: 0 };
        async perform() {
          runs++;
          return { blob: "x".repeat(2000) };
        }
      }
      const hopper = await open([Big], { maxResultBytes: 1024 });
      const id = await Big.performLater({});
      startWorker(hopper, queue);
      const record = await hopper.jobs.wait(id, { timeout: "30s" });
      expect(record).toMatchObject({ state: "failed", attempt: 1, result: null, error: { name: "JobRecordValueError" } });
      expect((record.error as { message: string }).message).toMatch(/over the bound of 1024 bytes/);
      expect(runs).toBe(1);
    });

    it("keeps each job's args in its record from the enqueue on; args over records.maxArgsBytes as their size; none with records.args false", async () => {
      const queue = uniqueQueueName("rec-args");
      class Signup extends Job<{ email: string; password: string; note: string; at: Date }, string> {
        static override queue = queue;
        async perform() {
          return "ok";
        }
      }
      const hopper = await open([Signup], { maxArgsBytes: 1024 });
      const at = new Date("2026-12-03T10:00:00.000Z");
      const small = { email: "a@example.com", password: "hunter2", note: '<script>alert("x")</script> ✓', at };
      const id = await Signup.performLater(small);
      // Rich types as the envelope carries them (a Date as its ISO text).
      const kept = { kept: true, value: { ...small, at: at.toISOString() } };
      expect((await hopper.jobs.get(id))?.args).toEqual(kept);
      const big = { ...small, note: "é".repeat(1000) };
      const bigId = await Signup.performLater(big);
      const bigBytes = Buffer.byteLength(JSON.stringify({ ...big, at: at.toISOString() }));
      expect((await hopper.jobs.get(bigId))?.args).toEqual({ kept: false, reason: "too-large", sizeBytes: bigBytes });
      startWorker(hopper, queue);
      expect(await hopper.jobs.wait(id, { timeout: "30s" })).toMatchObject({ state: "succeeded", args: kept });
      expect(await hopper.jobs.wait(bigId, { timeout: "30s" })).toMatchObject({ state: "succeeded", args: { kept: false, reason: "too-large", sizeBytes: bigBytes } });

      const privateQueue = uniqueQueueName("rec-args-off");
      class Private extends Job<{ password: string }> {
        static override queue = privateQueue;
        async perform() {}
      }
      const off = await open([Private], { args: false });
      const privateId = await Private.performLater({ password: "hunter2" });
      expect((await off.jobs.get(privateId))?.args).toEqual({ kept: false, reason: "off" });
      // Nothing was stored: a Hopper that keeps args reads the record as having none.
      expect((await hopper.jobs.get(privateId))?.args).toEqual({ kept: false, reason: "absent" });
    });

    it("refuses progress that is not a number or plain JSON object, inside the job", async () => {
      const queue = uniqueQueueName("rec-progress");
      class Reports extends Job<Record<string, never>, string[]> {
        static override queue = queue;
        async perform(_args: Record<string, never>, context: JobContext) {
          const refusals: string[] = [];
          for (const value of [new Map(), { at: new Date() }, Number.NaN, "half", [1], { big: "x".repeat(5000) }]) {
            await context.progress(value as never).then(
              () => refusals.push("accepted"),
              (error: unknown) => refusals.push(JobRecordValueError.isInstance(error) ? error.field : String(error)),
            );
          }
          return refusals;
        }
      }
      const hopper = await open([Reports]);
      const id = await Reports.performLater({});
      startWorker(hopper, queue);
      expect(await hopper.jobs.wait(id, { timeout: "30s" })).toMatchObject({ state: "succeeded", progress: null, result: Array(6).fill("progress") });
    });

    it("answers unknown and malformed ids clearly, and a wait that runs out with the state", async () => {
      class Never extends Job<Record<string, never>> {
        static override queue = uniqueQueueName("rec-none");
        async perform() {}
      }
      const hopper = await open([Never]);
      expect(await hopper.jobs.get("no-such-job")).toBeNull();
      await expect(hopper.jobs.cancel("no-such-job")).rejects.toSatisfy((error: unknown) => JobNotFoundError.isInstance(error) && error.jobId === "no-such-job");
      await expect(hopper.jobs.wait("no-such-job")).rejects.toSatisfy((error: unknown) => JobNotFoundError.isInstance(error));
      await expect(hopper.jobs.get("" as string)).rejects.toSatisfy((error: unknown) => ConfigurationError.isInstance(error) && error.field === "id");
      await expect(hopper.jobs.get(42 as unknown as string)).rejects.toSatisfy((error: unknown) => ConfigurationError.isInstance(error) && error.field === "id");
      const id = await Never.set({ wait: "1h" }).performLater({});
      await expect(hopper.jobs.wait(id, { timeout: 200 })).rejects.toSatisfy((error: unknown) => JobWaitTimeoutError.isInstance(error) && error.state === "scheduled" && error.timeoutMs === 200);
      await expect(hopper.jobs.wait(id, { timeout: "soon" })).rejects.toSatisfy((error: unknown) => ConfigurationError.isInstance(error) && error.field === "timeout");
    });

    it("forgets finished jobs after records.keep, per state", async () => {
      const queue = uniqueQueueName("rec-keep");
      class Quick extends Job<{ fail: boolean }> {
        static override queue = queue;
        static override retry = { attempts: 1 };
        async perform({ fail }: { fail: boolean }) {
          if (fail) throw new Error("no");
        }
      }
      const hopper = await open([Quick], { keep: { succeeded: "1s", dead: "1h" } });
      const succeeded = await Quick.performLater({ fail: false });
      const dead = await Quick.performLater({ fail: true });
      startWorker(hopper, queue);
      await hopper.jobs.wait(succeeded, { timeout: "30s" });
      await hopper.jobs.wait(dead, { timeout: "30s" });
      await waitFor(async () => (await hopper.jobs.get(succeeded)) === null, "the succeeded record to expire", 10_000);
      expect(await hopper.jobs.get(dead)).toMatchObject({ state: "dead" });
    });

    it("keeps the records of jobs that wait and run past keep.unfinished: a record never vanishes before its job finishes", async () => {
      const queue = uniqueQueueName("rec-unfinished");
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let started = false;
      class Slow extends Job<{ n: number }, string> {
        static override queue = queue;
        async perform() {
          started = true;
          await released;
          return "finished";
        }
      }
      // keep.unfinished shorter than the waits below; finished records still expire by their own keep.
      const hopper = await open([Slow], { keep: { unfinished: "1s", succeeded: "1h" } });
      const backlog = await Slow.performLater({ n: 1 });
      const due = Date.now() + 1500;
      const scheduled = await Slow.set({ waitUntil: new Date(due) }).performLater({ n: 2 });
      // No worker yet: a backlog (workers down, a paused queue) outlasts keep.unfinished, and the scheduled job falls
      // due. Slept from its due time, not for a fixed 1.5 s: a timer may fire a ms before Date.now() reaches `due`,
      // and a record asked for before its run-at says `scheduled` (once failed so in CI).
      await sleep(due - Date.now() + 100);
      expect(await hopper.jobs.get(backlog)).toMatchObject({ state: "waiting" });
      expect(await hopper.jobs.get(scheduled)).toMatchObject({ state: "waiting" });
      startWorker(hopper, queue);
      await waitFor(() => started, "a job to start");
      // A run longer than keep.unfinished keeps its record too.
      await sleep(1500);
      const running = [await hopper.jobs.get(backlog), await hopper.jobs.get(scheduled)];
      expect(running.map((record) => record?.state ?? "gone")).toContain("running");
      expect(running.map((record) => record?.state ?? "gone")).not.toContain("gone");
      release();
      expect(await hopper.jobs.wait(backlog, { timeout: "30s" })).toMatchObject({ state: "succeeded", result: "finished" });
      expect(await hopper.jobs.wait(scheduled, { timeout: "30s" })).toMatchObject({ state: "succeeded", result: "finished" });
    });

    it("keeps a held job's record past keep.unfinished while its job waits, until it runs", async () => {
      const queue = uniqueQueueName("rec-held-keep");
      class Rollout extends Job<Record<string, never>, string> {
        static override jobName = "Rollout";
        static override queue = queue;
        async perform() {
          return "old";
        }
      }
      const runningStates: (string | null)[] = [];
      class RolloutV2 extends Job<Record<string, never>, string> {
        static override jobName = "Rollout";
        static override queue = queue;
        static override version = 2;
        static override upgrades = { 1: (old: Record<string, never>) => old };
        async perform(_args: Record<string, never>, context: JobContext) {
          runningStates.push((await newApp.jobs.get(context.jobId))?.state ?? null);
          return "new";
        }
      }
      // An old and a new app mid-deploy, on one backend and one record store; keep.unfinished far shorter than the wait below.
      const keep = { unfinished: "1s", succeeded: "1h" };
      const store = options.createRecordStore ? { store: await options.createRecordStore() } : {};
      const oldApp = createHopper({ ...(await options.connect()), jobs: [Rollout], logger, records: { keep, ...store } });
      opened.push(oldApp);
      const newApp = createHopper({ backend: await oldApp.backend, jobs: [RolloutV2], logger, records: { keep, ...store } });
      opened.push(newApp);
      const id = await RolloutV2.performLater({});
      // The old worker holds the too-new payload back (each hold rewrites the record), then stops: the job waits with no worker.
      const oldWorker = oldApp.worker({ queues: [queue], pollWait: 100, handleSignals: false, newerVersionRetry: 300, newerVersionMaxHold: "1h" });
      const oldRunning = oldWorker.run();
      await waitFor(async () => (await newApp.jobs.get(id))?.state === "held", "the old worker to hold the job");
      await oldWorker.stop({ timeout: 5000 });
      await oldRunning;
      // Past the last hold's runAt plus keep.unfinished: the job is still in its queue, so its record must be too.
      await sleep(300 + 1000 + 700);
      expect(await newApp.jobs.get(id)).toMatchObject({ state: "held", heldBy: "payload-version" });
      startWorker(newApp, queue);
      expect(await newApp.jobs.wait(id, { timeout: "30s" })).toMatchObject({ state: "succeeded", result: "new" });
      expect(runningStates).toEqual(["running"]);
    });

    it("refuses every records call while records are off, naming the option", async () => {
      const hopper = await open([], null);
      const isRecordsError = (error: unknown) => ConfigurationError.isInstance(error) && error.field === "records";
      await expect(hopper.jobs.get("x")).rejects.toSatisfy(isRecordsError);
      await expect(hopper.jobs.cancel("x")).rejects.toSatisfy(isRecordsError);
      await expect(hopper.jobs.wait("x")).rejects.toSatisfy(isRecordsError);
      expect(() => createHopper({ url: "memory://", jobs: [], records: { keep: { succeded: "1d" } as never } })).toThrow(/records\.keep\.succeded/);
      expect(() => createHopper({ url: "memory://", jobs: [], records: { keep: { failed: "-1" } } })).toThrow(/records\.keep\.failed/);
    });
  });
}

import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { BackendClosedError, type RecordStore } from "@hopper/core";
import { sleep, waitFor } from "../harness.js";
import { recordListingScenarios } from "./record-listing.js";

export interface RecordStoreSuiteOptions {
  readonly name: string;
  /** A fresh store per test; the suite closes it. Two stores from it see the same records (a shared server, or a shared in-process store). */
  readonly createStore: () => Promise<RecordStore>;
  /** Whether the store offers `list` (and `remove`); default true. Declared absent, the suite checks it is. */
  readonly canList?: boolean;
  /** Whether the store offers `hung` (a running attempt past its timeout); default true. Declared absent, the suite checks it is. */
  readonly canMarkHung?: boolean;
}

const day = 86_400_000;

/** The behaviour every RecordStore must show; each store package runs it against its real server. */
export function runRecordStoreSuite(options: RecordStoreSuiteOptions): void {
  describe(`${options.name} record store`, () => {
    const opened: RecordStore[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });
    const open = async () => {
      const store = await options.createStore();
      opened.push(store);
      return store;
    };
    const identity = (job = "SendEmail") => ({ id: randomUUID(), job, queue: "mailers", enqueuedAt: 1_700_000_000_123 });

    it("inserts waiting records and never overwrites one", async () => {
      const store = await open();
      const job = identity();
      await store.insert([{ ...job, runAt: 1_700_000_060_000, ttlMs: day }]);
      await store.insert([{ ...job, job: "Other", runAt: null, ttlMs: day }]);
      expect(await store.get(job.id)).toEqual({ ...job, state: "waiting", attempt: 0, progress: null, result: null, error: null, startedAt: null, finishedAt: null, runAt: 1_700_000_060_000, cancelRequested: false, batchId: null, parentId: null, args: null });
      expect(await store.get(randomUUID())).toBeUndefined();
    });

    it("keeps the batch and parent its insert gave through every later write; a record made by start has none", async () => {
      const store = await open();
      const child = identity();
      const links = { batchId: randomUUID(), parentId: randomUUID() };
      await store.insert([{ ...child, runAt: null, ttlMs: day, ...links }]);
      expect(await store.get(child.id)).toMatchObject({ state: "waiting", ...links });
      expect(await store.start({ ...child, attempt: 1, startedAt: 1_700_000_001_000, ttlMs: day })).toBe("running");
      await store.settle({ ...child, state: "retrying", attempt: 1, error: '{"name":"Error","message":"x"}', runAt: 1_700_000_003_000, ttlMs: day });
      await store.settle({ ...child, state: "succeeded", attempt: 2, result: "1", finishedAt: 1_700_000_004_000, ttlMs: day });
      expect(await store.get(child.id)).toMatchObject({ state: "succeeded", ...links });
      const member = identity();
      await store.insert([{ ...member, runAt: null, ttlMs: day, batchId: links.batchId }]);
      expect(await store.get(member.id)).toMatchObject({ batchId: links.batchId, parentId: null });
      const unseen = identity();
      expect(await store.start({ ...unseen, attempt: 1, startedAt: 1_700_000_001_000, ttlMs: day })).toBe("running");
      expect(await store.get(unseen.id)).toMatchObject({ state: "running", batchId: null, parentId: null });
    });

    it("keeps the args text its insert gave, byte for byte, through every later write; a record made by start has none", async () => {
      const store = await open();
      const job = identity();
      // As the core writes it: the args' JSON in a wrapper, with markup, quotes, escapes and characters beyond ASCII.
      const args = JSON.stringify({ args: { html: '<script>alert("x")</script>', nul: "a\u0000b", emoji: "✓ 😀", nested: [{ password: "hunter2" }], big: "y".repeat(20_000) } });
      await store.insert([{ ...job, runAt: null, ttlMs: day, args }]);
      expect((await store.get(job.id))?.args).toBe(args);
      expect(await store.start({ ...job, attempt: 1, startedAt: 1_700_000_001_000, ttlMs: day })).toBe("running");
      expect(await store.progress(job.id, "50")).toBe(true);
      await store.settle({ ...job, state: "retrying", attempt: 1, error: '{"name":"Error","message":"x"}', runAt: 1_700_000_003_000, ttlMs: day });
      await store.settle({ ...job, state: "succeeded", attempt: 2, result: "1", finishedAt: 1_700_000_004_000, ttlMs: day });
      expect(await store.get(job.id)).toMatchObject({ state: "succeeded", args });
      // A second insert of the same id never replaces them.
      await store.insert([{ ...job, runAt: null, ttlMs: day, args: '{"args":"other"}' }]);
      expect((await store.get(job.id))?.args).toBe(args);
      const without = identity();
      await store.insert([{ ...without, runAt: null, ttlMs: day }]);
      expect((await store.get(without.id))?.args).toBeNull();
      const unseen = identity();
      expect(await store.start({ ...unseen, attempt: 1, startedAt: 1_700_000_001_000, ttlMs: day })).toBe("running");
      expect((await store.get(unseen.id))?.args).toBeNull();
    });

    it("runs a job through start, progress and success", async () => {
      const store = await open();
      const job = identity();
      await store.insert([{ ...job, runAt: null, ttlMs: day }]);
      expect(await store.start({ ...job, attempt: 1, startedAt: 1_700_000_001_000, ttlMs: day })).toBe("running");
      expect(await store.progress(job.id, '{"done":3,"of":10}')).toBe(true);
      expect(await store.get(job.id)).toMatchObject({ state: "running", attempt: 1, progress: '{"done":3,"of":10}', startedAt: 1_700_000_001_000, finishedAt: null });
      await store.settle({ ...job, state: "succeeded", attempt: 1, result: '{"sent":true}', finishedAt: 1_700_000_002_000, ttlMs: day });
      expect(await store.get(job.id)).toMatchObject({ state: "succeeded", attempt: 1, result: '{"sent":true}', error: null, finishedAt: 1_700_000_002_000, progress: '{"done":3,"of":10}' });
      // Progress belongs to a running job only.
      expect(await store.progress(job.id, "1")).toBe(false);
    });

    it("marks a running attempt hung, keeping it running, and no other attempt or state", async () => {
      const store = await open();
      const job = identity();
      const hung = JSON.stringify({ name: "JobTimeoutError", message: "past its timeout", hungAttempt: 2 });
      const report = (attempt: number, id = job.id) => ({ id, job: job.job, queue: job.queue, attempt, error: hung });
      await store.insert([{ ...job, runAt: null, ttlMs: day }]);
      // Optional in the contract: a store that declares it has none is checked to have none, and the rest is its.
      if (options.canMarkHung === false) return void expect(store.hung).toBeUndefined();
      if (!store.hung) throw new Error(`the ${store.name} record store has no hung(): give it one, or declare canMarkHung: false`);
      // Waiting: nothing to mark.
      expect(await store.hung(report(0))).toBe(false);
      await store.start({ ...job, attempt: 1, startedAt: 1_000, ttlMs: day });
      const first = JSON.stringify({ name: "Error", message: "smtp down" });
      await store.settle({ ...job, state: "retrying", attempt: 1, error: first, runAt: 2_000, ttlMs: day });
      await store.start({ ...job, attempt: 2, startedAt: 3_000, ttlMs: day });
      await store.progress(job.id, '{"done":1}');
      // Another attempt's report (a late one, from a run given up) changes nothing.
      expect(await store.hung(report(1))).toBe(false);
      expect(await store.get(job.id)).toMatchObject({ state: "running", attempt: 2, error: first });
      // A write naming another job or queue (a crafted envelope) is not this record's.
      expect(await store.hung({ ...report(2), job: "Other" })).toBe(false);
      expect(await store.hung({ ...report(2), queue: "other" })).toBe(false);
      expect(await store.hung(report(2))).toBe(true);
      expect(await store.get(job.id)).toMatchObject({ state: "running", attempt: 2, error: hung, progress: '{"done":1}', startedAt: 3_000, finishedAt: null });
      // The attempt's outcome replaces it; a finished record is never marked.
      const timedOut = JSON.stringify({ name: "JobTimeoutError", message: "ran past its timeout" });
      await store.settle({ ...job, state: "failed", attempt: 2, error: timedOut, finishedAt: 9_000, ttlMs: day });
      expect(await store.hung(report(2))).toBe(false);
      expect(await store.get(job.id)).toMatchObject({ state: "failed", attempt: 2, error: timedOut });
      expect(await store.hung(report(1, randomUUID()))).toBe(false);
    });

    it("records a retry, then the next attempt, then a dead end", async () => {
      const store = await open();
      const job = identity();
      await store.start({ ...job, attempt: 1, startedAt: 1_000, ttlMs: day });
      const error = JSON.stringify({ name: "Error", message: "smtp down" });
      await store.settle({ ...job, state: "retrying", attempt: 1, error, runAt: 5_000, ttlMs: day });
      expect(await store.get(job.id)).toMatchObject({ state: "retrying", attempt: 1, error, runAt: 5_000, finishedAt: null });
      await store.start({ ...job, attempt: 2, startedAt: 6_000, ttlMs: day });
      expect(await store.get(job.id)).toMatchObject({ state: "running", attempt: 2, startedAt: 6_000, runAt: null });
      await store.settle({ ...job, state: "dead", attempt: 2, error, finishedAt: 7_000, ttlMs: day });
      expect(await store.get(job.id)).toMatchObject({ state: "dead", attempt: 2, error, finishedAt: 7_000 });
    });

    it("creates the record on start or settle when it is missing", async () => {
      const store = await open();
      const started = identity();
      await store.start({ ...started, attempt: 3, startedAt: 2_000, ttlMs: day });
      expect(await store.get(started.id)).toMatchObject({ ...started, state: "running", attempt: 3, startedAt: 2_000 });
      const settled = identity();
      await store.settle({ ...settled, state: "failed", attempt: 1, error: '{"name":"E","message":"m"}', finishedAt: 3_000, ttlMs: day });
      expect(await store.get(settled.id)).toMatchObject({ ...settled, state: "failed", startedAt: null, finishedAt: 3_000 });
    });

    // A push handler trusts the job id inside an envelope: an authenticated sender could name another job's id.
    it("leaves a live record alone when a start or settle names another queue or job (a crafted envelope)", async () => {
      const store = await open();
      const job = identity();
      await store.start({ ...job, attempt: 1, startedAt: 1_000, ttlMs: day });
      await store.settle({ ...job, state: "succeeded", attempt: 1, result: '"mine"', finishedAt: 2_000, ttlMs: day });
      const before = await store.get(job.id);
      // The job still runs (records never decide a job's fate); its record is not the crafted copy's to write.
      expect(await store.start({ ...job, queue: "elsewhere", attempt: 5, startedAt: 3_000, ttlMs: day })).toBe("running");
      await store.settle({ ...job, queue: "elsewhere", state: "failed", attempt: 5, error: '{"name":"E","message":"forged"}', finishedAt: 4_000, ttlMs: day });
      expect(await store.start({ ...job, job: "OtherJob", attempt: 6, startedAt: 5_000, ttlMs: day })).toBe("running");
      await store.settle({ ...job, job: "OtherJob", state: "succeeded", attempt: 6, result: '"forged"', finishedAt: 6_000, ttlMs: day });
      expect(await store.get(job.id)).toEqual(before);
    });

    it("cancels a waiting or retrying job for good, marks a running one, and refuses a finished one", async () => {
      const store = await open();
      const waiting = identity();
      await store.insert([{ ...waiting, runAt: null, ttlMs: day }]);
      expect(await store.cancel(waiting.id, { now: 9_000, ttlMs: day })).toEqual({ status: "cancelled" });
      expect(await store.get(waiting.id)).toMatchObject({ state: "cancelled", finishedAt: 9_000 });
      // Cancelled stays cancelled: no start, no settle, no progress changes it; a second cancel agrees.
      expect(await store.start({ ...waiting, attempt: 1, startedAt: 10_000, ttlMs: day })).toBe("cancelled");
      await store.settle({ ...waiting, state: "succeeded", attempt: 1, result: "1", finishedAt: 11_000, ttlMs: day });
      expect(await store.progress(waiting.id, "1")).toBe(false);
      expect(await store.get(waiting.id)).toMatchObject({ state: "cancelled", attempt: 0, result: null, startedAt: null, finishedAt: 9_000 });
      expect(await store.cancel(waiting.id, { now: 12_000, ttlMs: day })).toEqual({ status: "cancelled" });

      const retrying = identity();
      await store.settle({ ...retrying, state: "retrying", attempt: 1, error: "{}", runAt: 5_000, ttlMs: day });
      expect(await store.cancel(retrying.id, { now: 9_000, ttlMs: day })).toEqual({ status: "cancelled" });

      const finished = identity();
      await store.settle({ ...finished, state: "succeeded", attempt: 1, result: "null", finishedAt: 2_000, ttlMs: day });
      expect(await store.cancel(finished.id, { now: 9_000, ttlMs: day })).toEqual({ status: "refused", state: "succeeded" });
      expect(await store.cancel(randomUUID(), { now: 9_000, ttlMs: day })).toEqual({ status: "unknown" });
    });

    it("keeps a held job's reason in its state (held:<reason>), runs it later, and cancels it like a waiting one", async () => {
      const store = await open();
      const job = identity();
      await store.insert([{ ...job, runAt: null, ttlMs: day }]);
      await store.settle({ ...job, state: "held:rate-limit", attempt: 0, runAt: 9_000, ttlMs: day });
      expect(await store.get(job.id)).toMatchObject({ state: "held:rate-limit", attempt: 0, runAt: 9_000, finishedAt: null });
      expect(await store.start({ ...job, attempt: 1, startedAt: 10_000, ttlMs: day })).toBe("running");
      expect(await store.get(job.id)).toMatchObject({ state: "running", attempt: 1, runAt: null });
      // Held again (a paused queue, say), then cancelled for good: it never starts.
      const paused = identity();
      await store.settle({ ...paused, state: "held:queue-paused", attempt: 0, runAt: 9_000, ttlMs: day });
      expect(await store.cancel(paused.id, { now: 11_000, ttlMs: day })).toEqual({ status: "cancelled" });
      expect(await store.get(paused.id)).toMatchObject({ state: "cancelled", finishedAt: 11_000 });
      expect(await store.start({ ...paused, attempt: 1, startedAt: 12_000, ttlMs: day })).toBe("cancelled");
    });

    it("marks a running job for its worker to stop, and never starts a copy of it again", async () => {
      const store = await open();
      const running = identity();
      await store.start({ ...running, attempt: 1, startedAt: 1_000, ttlMs: day });
      expect(await store.cancel(running.id, { now: 9_000, ttlMs: day })).toEqual({ status: "requested" });
      expect(await store.cancel(running.id, { now: 9_500, ttlMs: day })).toEqual({ status: "requested" });
      expect(await store.get(running.id)).toMatchObject({ state: "running", cancelRequested: true, finishedAt: null });
      // Progress still lands while the job winds down.
      expect(await store.progress(running.id, "7")).toBe(true);
      // Its worker died before stopping it: the redelivered copy must not run.
      expect(await store.start({ ...running, attempt: 2, startedAt: 2_000, ttlMs: day })).toBe("cancelled");
      await store.settle({ ...running, state: "cancelled", attempt: 1, finishedAt: 10_000, ttlMs: day });
      expect(await store.get(running.id)).toMatchObject({ state: "cancelled", attempt: 1, finishedAt: 10_000 });

      // A cancel asked while it ran, then a failed attempt: the retry is cancelled outright.
      const retried = identity();
      await store.start({ ...retried, attempt: 1, startedAt: 1_000, ttlMs: day });
      await store.cancel(retried.id, { now: 9_000, ttlMs: day });
      await store.settle({ ...retried, state: "retrying", attempt: 1, error: "{}", runAt: 20_000, ttlMs: day });
      expect(await store.start({ ...retried, attempt: 2, startedAt: 21_000, ttlMs: day })).toBe("cancelled");
      expect(await store.cancel(retried.id, { now: 22_000, ttlMs: day })).toEqual({ status: "cancelled" });
    });

    it("lets exactly one of a racing cancel and start win", async () => {
      const store = await open();
      const other = await open();
      const jobs = Array.from({ length: 20 }, () => identity());
      await store.insert(jobs.map((job) => ({ ...job, runAt: null, ttlMs: day })));
      const outcomes = await Promise.all(
        jobs.map(async (job) => {
          const [started, cancelled] = await Promise.all([store.start({ ...job, attempt: 1, startedAt: 1, ttlMs: day }), other.cancel(job.id, { now: 1, ttlMs: day })]);
          return { started, cancelled: cancelled.status === "cancelled", state: (await store.get(job.id))!.state };
        }),
      );
      for (const outcome of outcomes) {
        expect(outcome.started === "running").toBe(!outcome.cancelled);
        expect(outcome.state).toBe(outcome.cancelled ? "cancelled" : "running");
      }
    });

    it("forgets a record once its ttl passes, counted from its last write", async () => {
      const store = await open();
      const short = identity();
      const renewed = identity();
      await store.insert([{ ...short, runAt: null, ttlMs: 400 }, { ...renewed, runAt: null, ttlMs: 400 }]);
      await store.start({ ...renewed, attempt: 1, startedAt: 1, ttlMs: day });
      await sleep(700);
      expect(await store.get(short.id)).toBeUndefined();
      expect(await store.cancel(short.id, { now: 1, ttlMs: day })).toEqual({ status: "unknown" });
      expect(await store.get(renewed.id)).toMatchObject({ state: "running" });
      // An expired record is absent to insert too: the id starts over.
      await store.insert([{ ...short, runAt: null, ttlMs: day }]);
      expect(await store.get(short.id)).toMatchObject({ state: "waiting" });
    });

    it("shares records between two stores on the same server", async () => {
      const writer = await open();
      const reader = await open();
      const job = identity();
      await writer.insert([{ ...job, runAt: null, ttlMs: day }]);
      expect(await reader.cancel(job.id, { now: 1, ttlMs: day })).toEqual({ status: "cancelled" });
      expect(await writer.start({ ...job, attempt: 1, startedAt: 2, ttlMs: day })).toBe("cancelled");
    });

    it("delivers each change to a subscriber on another store, in order", async () => {
      const writer = await open();
      const reader = await open();
      if (!reader.subscribe) return void expect(reader.subscribe).toBeUndefined();
      const job = identity();
      const seen: { state: string; attempt: number; progress?: string; hung?: true }[] = [];
      const stop = await reader.subscribe((event) => {
        if (event.id !== job.id) return;
        expect(event).toMatchObject({ job: job.job, queue: job.queue });
        seen.push({ state: event.state, attempt: event.attempt, ...(event.progress !== undefined && { progress: event.progress }), ...(event.hung === true && { hung: true }) });
      });
      await writer.insert([{ ...job, runAt: null, ttlMs: day }]);
      await writer.insert([{ ...job, runAt: null, ttlMs: day }]); // not created: no event
      await writer.start({ ...job, attempt: 1, startedAt: 1, ttlMs: day });
      await writer.progress(job.id, '{"done":1}');
      const marksHung = options.canMarkHung !== false;
      if (marksHung) expect(await writer.hung!({ ...job, attempt: 1, error: JSON.stringify({ name: "JobTimeoutError", message: "past its timeout", hungAttempt: 1 }) })).toBe(true);
      await writer.settle({ ...job, state: "retrying", attempt: 1, error: "{}", runAt: 5, ttlMs: day });
      await writer.cancel(job.id, { now: 6, ttlMs: day });
      await waitFor(() => seen.length >= (marksHung ? 6 : 5), "every event");
      await sleep(100);
      expect(seen).toEqual([
        { state: "waiting", attempt: 0 },
        { state: "running", attempt: 1 },
        { state: "running", attempt: 1, progress: '{"done":1}' },
        ...(marksHung ? [{ state: "running", attempt: 1, hung: true as const }] : []),
        { state: "retrying", attempt: 1 },
        { state: "cancelled", attempt: 1 },
      ]);
      await stop();
      await writer.insert([{ ...identity(), runAt: null, ttlMs: day }]);
    });

    it("keeps JSON text and odd ids byte for byte", async () => {
      const store = await open();
      const job = { ...identity(), id: `ü:{tag}\n${randomUUID()} 'quote' "double"`, job: "Jöb" };
      await store.start({ ...job, attempt: 1, startedAt: 1, ttlMs: day });
      const progress = JSON.stringify({ note: "naïve ✓ \u0000 'x' \"y\" \\", n: 1.5e-7 });
      expect(await store.progress(job.id, progress)).toBe(true);
      expect(await store.get(job.id)).toMatchObject({ id: job.id, job: "Jöb", progress });
    });

    recordListingScenarios(open, options.canList ?? true);

    it("closes idempotently and refuses calls afterwards", async () => {
      const store = await options.createStore();
      await store.close();
      await store.close();
      await expect(store.get("x")).rejects.toSatisfy((error: unknown) => BackendClosedError.isInstance(error));
    });
  });
}

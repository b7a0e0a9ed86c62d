import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { JobCancelledError } from "../errors/job-cancelled-error.js";
import type { Logger } from "../logger.js";
import type { WatchedRun } from "./cancel-watches.js";
import { createMemoryRecordStore } from "./memory-record-store.js";
import type { RecordStore } from "./record-store.js";
import { RecordWriter } from "./record-writer.js";
import { resolveRecordsOptions } from "./records-options.js";

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;
const cancelCheckMs = 1000;

function writerOn(store: RecordStore): RecordWriter {
  return new RecordWriter(async () => ({ store, riding: false }), resolveRecordsOptions({ cancelCheck: cancelCheckMs }), silent, async () => {
    throw new Error("no backend in this test");
  });
}

class Run implements WatchedRun {
  constructor(readonly envelopeId: string) {}
  aborted = false;
  reason: unknown;
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
  }
}

async function runningRecord(store: RecordStore, id: string): Promise<void> {
  const identity = { id, job: "Cancellable", queue: "default", enqueuedAt: Date.now() };
  await store.insert([{ ...identity, runAt: null, ttlMs: 60_000 }]);
  await store.start({ ...identity, attempt: 1, startedAt: Date.now(), ttlMs: 60_000 });
}

describe("RecordWriter.watchCancel", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("holds one timer for every job it watches, not one per job", () => {
    const writer = writerOn(createMemoryRecordStore());
    const runs = Array.from({ length: 50 }, (_, index) => new Run(`job-${index}`));
    for (const run of runs) writer.watchCancel(run);
    expect(vi.getTimerCount()).toBe(1);
    for (const run of runs) writer.unwatchCancel(run);
  });

  it("aborts a running job within cancelCheck of its cancel, and reads no record of a job that ends sooner", async () => {
    const store = createMemoryRecordStore();
    const reads = vi.spyOn(store, "get");
    const writer = writerOn(store);
    await runningRecord(store, "long");
    const run = new Run("long");
    const short = new Run("short");
    writer.watchCancel(run);
    writer.watchCancel(short);
    await vi.advanceTimersByTimeAsync(cancelCheckMs / 2);
    writer.unwatchCancel(short);
    expect(await store.cancel("long", { now: Date.now(), ttlMs: 60_000 })).toEqual({ status: "requested" });
    await vi.advanceTimersByTimeAsync(cancelCheckMs);
    expect(run.aborted).toBe(true);
    expect(JobCancelledError.isInstance(run.reason)).toBe(true);
    expect(writer.cancelledWhileRunning(run)).toBe(true);
    expect(writer.cancelledWhileRunning(short)).toBe(false);
    expect(reads.mock.calls.map(([id]) => id)).not.toContain("short");
    writer.unwatchCancel(run);
  });
});

import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { createConsoleLogger, createHopper, createMemoryRecordStore } from "@hopper/core";
import { createMemoryBackend } from "@hopper/core/memory";

// The review of the hung record (2026-12-07): where a backend counts no deliveries (Pub/Sub without a dead-letter
// topic) a redelivered run starts with the same attempt number as the hung one, and read as hung for its whole run.
it("reads hung only for the run that was reported: not another attempt, nor a later run of the same attempt number", async () => {
  const store = createMemoryRecordStore();
  const hopper = createHopper({ backend: { ...createMemoryBackend({ store: "hung-records" }), recordStore: undefined }, jobs: [], records: { store }, logger: createConsoleLogger("silent") });
  try {
    const job = { id: randomUUID(), job: "Stuck", queue: "hung", enqueuedAt: 1_000 };
    const day = 86_400_000;
    await store.start({ ...job, attempt: 1, startedAt: 2_000, ttlMs: day });
    const reported = (attempt: number, hungAt: number) => JSON.stringify({ name: "JobTimeoutError", message: "past its timeout", hungAttempt: attempt, hungAt });
    await store.hung!({ ...job, attempt: 1, error: reported(1, 3_000) });
    expect(await hopper.jobs.get(job.id)).toMatchObject({ state: "running", attempt: 1, hung: true, error: { name: "JobTimeoutError", message: "past its timeout" } });
    expect(Object.keys((await hopper.jobs.get(job.id))!.error!).sort()).toEqual(["message", "name"]);
    // The same attempt number started again after the report (a redelivery that counts none): not hung.
    await store.start({ ...job, attempt: 1, startedAt: 60_000, ttlMs: day });
    expect(await hopper.jobs.get(job.id)).toMatchObject({ state: "running", attempt: 1, hung: false, error: { name: "JobTimeoutError" } });
    // The next attempt: not hung, the hung run's error kept as the last one.
    await store.start({ ...job, attempt: 2, startedAt: 90_000, ttlMs: day });
    expect(await hopper.jobs.get(job.id)).toMatchObject({ attempt: 2, hung: false, error: { name: "JobTimeoutError" } });
    // A job's own error cannot say hung: what it threw is kept as name and message only.
    await store.settle({ ...job, state: "retrying", attempt: 2, error: JSON.stringify({ name: "Error", message: "x" }), runAt: 91_000, ttlMs: day });
    expect(await hopper.jobs.get(job.id)).toMatchObject({ state: "retrying", hung: false });
  } finally {
    await hopper.close();
  }
});

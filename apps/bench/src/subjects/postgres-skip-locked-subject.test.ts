import { randomUUID } from "node:crypto";
import { describeWithService } from "@hopper/services";
import { expect, it } from "vitest";
import { createPostgresSkipLockedSubject } from "./postgres-skip-locked-subject.js";

/**
 * The plan PostgreSQL gave the claim when its statistics said the table was nearly empty (the hung step of
 * benchmarks/results/latency-2026-12-04e/README.md): a nested loop over the whole table, re-running the
 * `LIMIT … FOR UPDATE SKIP LOCKED` sub-select for every row, so one claim took every row of the queue. These
 * session settings leave the planner only that kind of plan.
 */
const nestedLoopsOnly = ["enable_hashagg", "enable_sort", "enable_hashjoin", "enable_mergejoin", "enable_material"].map((name) => `-c ${name}=off`).join(" ");

describeWithService("postgres", (variables) => {
  it("claims no more jobs than free slots, whatever plan the claim gets", async () => {
    const url = new URL(variables.HOPPER_TEST_POSTGRES_URL!);
    url.searchParams.set("options", nestedLoopsOnly);
    const subject = await createPostgresSkipLockedSubject(url.toString());
    const queue = `bench-raw-claim-${randomUUID().slice(0, 8)}`;
    const concurrency = 5;
    try {
      await subject.prepare(queue);
      await subject.enqueueMany(queue, Array.from({ length: 300 }, () => ({ sentAt: 0, padding: "" })));
      let running = 0;
      let peak = 0;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let slotsFull!: () => void;
      const full = new Promise<void>((resolve) => (slotsFull = resolve));
      const consumer = await subject.consume(queue, concurrency, async () => {
        running += 1;
        peak = Math.max(peak, running);
        if (running >= concurrency) slotsFull();
        await gate;
        running -= 1;
      });
      await full;
      // A claim's rows all start in one turn of the event loop: by the next one, an oversized claim shows.
      await new Promise((resolve) => setImmediate(resolve));
      release();
      await consumer.stop();
      expect(peak).toBe(concurrency);
    } finally {
      await subject.close();
    }
  });
});

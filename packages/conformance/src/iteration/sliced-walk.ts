import { expect } from "vitest";
import { IterableJob, type IterationContext, type JobClass } from "@hopper/core";
import { sleep } from "../harness.js";
import { countingRange } from "./counting-range.js";

/** A job class walking `itemCount` items in 30 ms slices, and what its runs saw. */
export interface SlicedWalk {
  readonly job: JobClass<IterableJob<{ count: number }>>;
  readonly itemCount: number;
  /** Runs that reached the end of the items. */
  finished(): number;
  /** Every item once, in several slices, each on attempt 1, each resuming after the last one's items. */
  expectWalkedInSlices(): void;
}

/**
 * For the push tiers' slice tests: one delivery runs one slice far below the platform's bound (sqsd's
 * inactivity timeout, Lambda's 15 minutes, the push subscription's ack deadline), so the job must
 * re-enqueue itself with its cursor and finish over several deliveries.
 */
export function slicedWalk(queue: string, itemCount = 40): SlicedWalk {
  const times = new Uint8Array(itemCount);
  const slices: { first: number | undefined; attempt: number }[] = [];
  let finished = 0;
  class SlicedWalkJob extends IterableJob<{ count: number }> {
    static override jobName = "SlicedWalk";
    static override queue = queue;
    static override iteration = { maxSliceTime: 30 };
    async perform({ count }: { count: number }, context: IterationContext) {
      const slice: { first: number | undefined; attempt: number } = { first: undefined, attempt: context.attempt };
      slices.push(slice);
      await context.iterate("items", (after: number | undefined) => countingRange(after ?? 0, count), async (item) => {
        slice.first ??= item;
        times[item]! += 1;
        await sleep(5);
      });
      finished++;
    }
  }
  return {
    job: SlicedWalkJob,
    itemCount,
    finished: () => finished,
    expectWalkedInSlices() {
      expect([...times]).toEqual(Array(itemCount).fill(1));
      // Each item takes at least 5 ms, so a 30 ms slice cannot hold all of them.
      expect(slices.length).toBeGreaterThan(1);
      expect(slices.map((slice) => slice.attempt)).toEqual(slices.map(() => 1));
      // Every delivery resumes after the last one's items; only the last may find none left.
      const firsts = slices.map((slice) => slice.first);
      expect(firsts.slice(0, -1)).not.toContain(undefined);
      const started = firsts.filter((first) => first !== undefined);
      expect(started).toEqual([...new Set(started)].sort((left, right) => left - right));
    },
  };
}

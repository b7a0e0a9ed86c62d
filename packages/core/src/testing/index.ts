import type { JobClass } from "../job.js";
import type { EnqueuedJob } from "./enqueued-job.js";
import type { ArgsMatcher, EnqueuedOptionsMatcher } from "./enqueued-matcher.js";
import { testHopperOf } from "./create-test-hopper.js";

export { createTestHopper, type TestHopper, type TestHopperOptions, type PerformEnqueuedOptions, type PerformReport } from "./create-test-hopper.js";
export type { TestClock } from "./controllable-clock.js";
export type { EnqueuedJob, EnqueuedJobStatus } from "./enqueued-job.js";
export type { ArgsMatcher, EnqueuedOptionsMatcher } from "./enqueued-matcher.js";
export { checkArgsSurvive } from "./args-survival.js";

/** `testHopper.expectEnqueued`, on the test Hopper `jobClass` is registered with. */
export function expectEnqueued(jobClass: JobClass, args?: ArgsMatcher, options?: EnqueuedOptionsMatcher): EnqueuedJob[] {
  return testHopperOf(jobClass).expectEnqueued(jobClass, args, options);
}

/** `testHopper.expectNotEnqueued`, on the test Hopper `jobClass` is registered with. */
export function expectNotEnqueued(jobClass: JobClass, args?: ArgsMatcher, options?: Omit<EnqueuedOptionsMatcher, "count">): void {
  testHopperOf(jobClass).expectNotEnqueued(jobClass, args, options);
}

/** `testHopper.enqueuedCount`, on the test Hopper `jobClass` is registered with. */
export function enqueuedCount(jobClass: JobClass, args?: ArgsMatcher, options?: Omit<EnqueuedOptionsMatcher, "count">): number {
  return testHopperOf(jobClass).enqueuedCount(jobClass, args, options);
}

/** `testHopper.enqueued({ job: jobClass })`, on the test Hopper `jobClass` is registered with. */
export function enqueuedJobs(jobClass: JobClass): EnqueuedJob[] {
  return testHopperOf(jobClass).enqueued({ job: jobClass });
}

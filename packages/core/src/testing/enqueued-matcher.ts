import { AssertionError } from "node:assert";
import { isDeepStrictEqual } from "node:util";
import { toMilliseconds, type Duration } from "../duration.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import type { JobClass } from "../job.js";
import { jobNameOf } from "../job-registry.js";
import { describeEnqueuedJobs, describeValue, type EnqueuedJob } from "./enqueued-job.js";

/**
 * Expected args: a value compared deeply with the args after the envelope
 * round trip (vitest/jest asymmetric matchers such as expect.any(Date) work at
 * any depth), or a predicate.
 */
export type ArgsMatcher = unknown;

export interface EnqueuedOptionsMatcher {
  readonly queue?: string;
  readonly priority?: number;
  /** The delay it was enqueued with (runAt − enqueuedAt). */
  readonly wait?: Duration;
  readonly runAt?: Date;
  readonly orderingKey?: string;
  readonly dedupeKey?: string;
  /** Exactly this many matching jobs (default: at least one). */
  readonly count?: number;
}

const optionKeys = new Set(["queue", "priority", "wait", "runAt", "orderingKey", "dedupeKey", "count"]);

/** The recorded jobs of `jobClass` that match; `args` undefined matches any args. */
export function findEnqueued(jobs: readonly EnqueuedJob[], jobClass: JobClass, args: ArgsMatcher, options: EnqueuedOptionsMatcher = {}): EnqueuedJob[] {
  for (const key of Object.keys(options)) {
    if (!optionKeys.has(key)) throw new ConfigurationError({ field: `options.${key}`, message: `is not something expectEnqueued matches (use ${[...optionKeys].join(", ")})` });
  }
  const name = jobNameOf(jobClass);
  const waitMs = options.wait === undefined ? undefined : toMilliseconds(options.wait, "options.wait");
  return jobs.filter(
    (job) =>
      job.job === name &&
      (args === undefined || (typeof args === "function" && !isAsymmetricMatcher(args) ? Boolean((args as (value: unknown) => unknown)(job.args)) : matches(job.args, args))) &&
      (options.queue === undefined || job.queue === options.queue) &&
      (options.priority === undefined || job.priority === options.priority) &&
      (waitMs === undefined || job.runAt.getTime() - job.enqueuedAt.getTime() === waitMs) &&
      (options.runAt === undefined || job.runAt.getTime() === options.runAt.getTime()) &&
      (options.orderingKey === undefined || job.orderingKey === options.orderingKey) &&
      (options.dedupeKey === undefined || job.dedupeKey === options.dedupeKey),
  );
}

export function assertEnqueued(jobs: readonly EnqueuedJob[], jobClass: JobClass, args: ArgsMatcher, options: EnqueuedOptionsMatcher = {}): EnqueuedJob[] {
  const found = findEnqueued(jobs, jobClass, args, options);
  const { count } = options;
  if (count === undefined ? found.length > 0 : found.length === count) return found;
  const wanted = count === undefined ? `${jobNameOf(jobClass)} to be enqueued` : `${count} ${jobNameOf(jobClass)} job${count === 1 ? "" : "s"} enqueued`;
  throw new AssertionError({ message: `expected ${wanted}${describeExpectation(args, options)}, found ${found.length}; ${describeEnqueuedJobs(jobs)}` });
}

export function assertNotEnqueued(jobs: readonly EnqueuedJob[], jobClass: JobClass, args: ArgsMatcher, options: EnqueuedOptionsMatcher = {}): void {
  const found = findEnqueued(jobs, jobClass, args, options);
  if (found.length === 0) return;
  throw new AssertionError({ message: `expected no ${jobNameOf(jobClass)} job${describeExpectation(args, options)}, found ${found.length}; ${describeEnqueuedJobs(jobs)}` });
}

function describeExpectation(args: ArgsMatcher, options: EnqueuedOptionsMatcher): string {
  const { count: _count, ...rest } = options;
  const parts = [
    args === undefined ? "" : typeof args === "function" && !isAsymmetricMatcher(args) ? " with args matching the given predicate" : ` with args ${describeValue(args)}`,
    Object.keys(rest).length > 0 ? ` and ${describeValue(rest)}` : "",
  ];
  return parts.join("");
}

interface AsymmetricMatcher {
  asymmetricMatch(other: unknown): boolean;
}

function isAsymmetricMatcher(value: unknown): value is AsymmetricMatcher {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as Partial<AsymmetricMatcher>).asymmetricMatch === "function";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** Deep equality that lets asymmetric matchers stand in for any value. */
function matches(actual: unknown, expected: unknown): boolean {
  if (isAsymmetricMatcher(expected)) return expected.asymmetricMatch(actual);
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((item, index) => matches(actual[index], item));
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return false;
    const keys = Object.keys(expected);
    return keys.length === Object.keys(actual).length && keys.every((key) => Object.hasOwn(actual, key) && matches(actual[key], expected[key]));
  }
  return isDeepStrictEqual(actual, expected);
}

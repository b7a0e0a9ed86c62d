import { ConfigurationError } from "./errors/configuration-error.js";
import type { EnqueueOptions, JobClass } from "./job.js";

/** What a job class's static methods call: the Hopper it was registered with. */
export interface JobEnqueuer {
  enqueue(jobClass: JobClass, argsList: readonly unknown[], options: EnqueueOptions): Promise<string[]>;
  performNow(jobClass: JobClass, args: unknown): Promise<{ jobId: string; result: unknown }>;
}

const bindings = new WeakMap<Function, JobEnqueuer>();

/** The last Hopper to register a class receives its static calls. */
export function bindJob(jobClass: Function, enqueuer: JobEnqueuer): void {
  bindings.set(jobClass, enqueuer);
}

export function unbindJob(jobClass: Function, enqueuer: JobEnqueuer): void {
  if (bindings.get(jobClass) === enqueuer) bindings.delete(jobClass);
}

export function jobBinding(jobClass: Function): JobEnqueuer {
  const enqueuer = bindings.get(jobClass);
  if (!enqueuer) {
    throw new ConfigurationError({
      field: "jobs",
      message: `${jobClass.name} is not registered with a Hopper: pass it in createHopper({ jobs: [${jobClass.name}] })`,
    });
  }
  return enqueuer;
}

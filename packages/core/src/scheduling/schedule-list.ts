import type { CoordinationStore } from "../coordination/coordination-store.js";
import type { JobRegistry } from "../job-registry.js";
import { nextTick, type RecurringJob } from "./recurring-job.js";
import { lastTickKey } from "./tick-claim.js";

/** One recurring job as `hopper.schedules.list()` reports it. */
export interface ScheduleInfo {
  readonly name: string;
  readonly cron: string;
  readonly timezone: string;
  /** The job's name. */
  readonly job: string;
  readonly queue: string;
  /** The newest tick any scheduler sharing the coordination store enqueued (ISO 8601), or null. */
  readonly lastTickAt: string | null;
  /** The next tick after now on the store's clock (ISO 8601), or null when the expression has none. */
  readonly nextTickAt: string | null;
}

/** `hopper.schedules`: the recurring jobs this Hopper registered with `hopper.schedule`. */
export interface Schedules {
  /** In registration order; one read of the coordination store per schedule, plus its clock. */
  list(): Promise<ScheduleInfo[]>;
}

export function createSchedules(dependencies: { readonly schedules: () => readonly RecurringJob[]; readonly registry: JobRegistry; readonly coordination: CoordinationStore }): Schedules {
  return {
    async list() {
      const jobs = dependencies.schedules();
      if (jobs.length === 0) return [];
      const now = await dependencies.coordination.now();
      return Promise.all(
        jobs.map(async (job) => {
          const definition = dependencies.registry.definitionOf(job.jobClass);
          const last = await dependencies.coordination.advance(lastTickKey(job));
          const next = nextTick(job, now);
          return {
            name: job.name,
            cron: job.cron,
            timezone: job.timezone,
            job: definition.name,
            queue: job.enqueueOptions.queue ?? definition.queue,
            lastTickAt: last === undefined ? null : new Date(last).toISOString(),
            nextTickAt: next === undefined ? null : new Date(next).toISOString(),
          };
        }),
      );
    },
  };
}

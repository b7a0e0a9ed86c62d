// A worker or scheduler process for the coordination process suite. It records
// every perform's start and end as JSON lines in RECORD_FILE.
import { appendFileSync } from "node:fs";
import { createConsoleLogger, createHopper, Job, type JobContext } from "@hopper/core";
import { loadCoordinationStore, type CoordinationStoreSource } from "./coordination-source.js";

const queue = process.env.FIXTURE_QUEUE!;
const recordFile = process.env.RECORD_FILE!;
const record = (entry: Record<string, unknown>) => appendFileSync(recordFile, `${JSON.stringify({ ...entry, pid: process.pid, at: Date.now() })}\n`);

class TickJob extends Job<Record<string, never>> {
  static override queue = queue;
  async perform() {}
}

export interface KeyedJobArgs {
  readonly key: string;
  readonly ms: number;
  /** Run for a minute on the first attempt (the process is killed meanwhile). */
  readonly hangFirst?: boolean;
}

class KeyedJob extends Job<KeyedJobArgs> {
  static override queue = queue;
  static override concurrency = { key: (args: KeyedJobArgs) => args.key, limit: 1, lease: process.env.SLOT_LEASE ?? "2s", retryAfter: "300ms" };
  async perform({ ms, hangFirst }: KeyedJobArgs, context: JobContext) {
    await new Promise((resolve) => setTimeout(resolve, hangFirst && context.attempt === 1 ? 60_000 : ms));
  }
}

const source = JSON.parse(process.env.COORDINATION_SOURCE!) as CoordinationStoreSource;
const hopper = createHopper({ url: process.env.HOPPER_URL!, jobs: [TickJob, KeyedJob], coordination: await loadCoordinationStore(source), logger: createConsoleLogger("error") });
hopper.use({
  async perform(context, next) {
    const common = { job: context.jobName, jobId: context.context.jobId, key: (context.args as { key?: string }).key, tick: context.meta["hopper.tick"], attempt: context.context.attempt };
    record({ type: "start", ...common });
    const result = await next();
    record({ type: "end", ...common });
    return result;
  },
});
await hopper.backend;

if (process.env.ROLE === "scheduler") {
  hopper.schedule("every-second", "* * * * * *", TickJob, {});
  const scheduler = hopper.scheduler();
  process.stdout.write("ready\n");
  await scheduler.run();
} else {
  const worker = hopper.worker({ queues: [queue], concurrency: 4, lease: "2s", pollWait: "200ms" });
  process.stdout.write("ready\n");
  await worker.run();
}
await hopper.close();

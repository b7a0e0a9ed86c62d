import { inspect } from "node:util";
import { deserializeArgs } from "../envelope/args-serializer.js";
import type { Envelope } from "../envelope/envelope.js";
import type { JobClass } from "../job.js";

/** What became of a recorded job so far. */
export type EnqueuedJobStatus = "enqueued" | "performed" | "failed" | "dead";

/** One job a test Hopper recorded, as a worker would receive it. */
export interface EnqueuedJob {
  readonly id: string;
  /** The job's name on the wire. */
  readonly job: string;
  /** The registered class, when this Hopper knows the name. */
  readonly jobClass: JobClass | undefined;
  /** The args after a real envelope round trip (encode, JSON, decode). */
  readonly args: unknown;
  readonly queue: string;
  readonly priority: number;
  /** When it was (last) enqueued, on the test clock. */
  readonly enqueuedAt: Date;
  /** When it may run, on the test clock; equal to enqueuedAt when not delayed. */
  readonly runAt: Date;
  readonly orderingKey: string | undefined;
  readonly dedupeKey: string | undefined;
  readonly meta: Readonly<Record<string, string>>;
  /** enqueued (waiting or retrying), performed, failed (its last run threw; a retry may be queued), dead (dead-lettered). */
  readonly status: EnqueuedJobStatus;
  /** Runs so far. */
  readonly runs: number;
  readonly lastError: unknown;
}

export class EnqueuedJobRecord implements EnqueuedJob {
  status: EnqueuedJobStatus = "enqueued";
  runs = 0;
  lastError: unknown = undefined;
  /** Why it went to the dead letters, when it did. */
  deadLetterReason: string | undefined = undefined;
  args: unknown;
  runAt: Date;
  enqueuedAt: Date;

  constructor(
    private envelope: Envelope,
    readonly jobClass: JobClass | undefined,
    enqueuedAtMs: number,
    runAtMs: number,
  ) {
    this.args = deserializeArgs({ json: envelope.args, meta: envelope.argsMeta });
    this.enqueuedAt = new Date(enqueuedAtMs);
    this.runAt = new Date(runAtMs);
  }

  get id() {
    return this.envelope.id;
  }
  get job() {
    return this.envelope.job;
  }
  get queue() {
    return this.envelope.queue;
  }
  get priority() {
    return this.envelope.priority;
  }
  get orderingKey() {
    return this.envelope.orderingKey;
  }
  get dedupeKey() {
    return this.envelope.dedupeKey;
  }
  get meta() {
    return this.envelope.meta;
  }

  /** The same job sent again (a retry republished, a postponement, a dead letter retried). */
  requeued(envelope: Envelope, enqueuedAtMs: number, runAtMs: number): void {
    this.envelope = envelope;
    this.args = deserializeArgs({ json: envelope.args, meta: envelope.argsMeta });
    this.enqueuedAt = new Date(enqueuedAtMs);
    this.runAt = new Date(runAtMs);
    if (this.status !== "failed") this.status = "enqueued";
  }
}

/** One line per job, for failure messages. */
export function describeEnqueuedJobs(jobs: readonly EnqueuedJob[]): string {
  if (jobs.length === 0) return "nothing was enqueued";
  const lines = jobs.map((job) => {
    const delayMs = job.runAt.getTime() - job.enqueuedAt.getTime();
    const extras = [
      job.priority !== 0 && `priority ${job.priority}`,
      delayMs > 0 && `runAt ${job.runAt.toISOString()} (+${delayMs} ms)`,
      job.orderingKey !== undefined && `orderingKey ${JSON.stringify(job.orderingKey)}`,
      job.dedupeKey !== undefined && `dedupeKey ${JSON.stringify(job.dedupeKey)}`,
      job.status,
    ].filter(Boolean);
    return `  - ${job.job} on ${job.queue} with ${describeValue(job.args)} (${extras.join(", ")})`;
  });
  return `enqueued instead (${jobs.length}):\n${lines.join("\n")}`;
}

export function describeValue(value: unknown): string {
  return inspect(value, { depth: 4, breakLength: Infinity, compact: true, sorted: false });
}

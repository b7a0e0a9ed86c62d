import type { Attributes, Counter, Histogram, MeterProvider } from "@opentelemetry/api";
import type { FailureOutcome } from "@hopper/core";
import { INSTRUMENTATION_NAME } from "./telemetry-options.js";

// Seconds, from a fast job to a long one (the SDK's default buckets are for milliseconds).
const secondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** The package's instruments, made once per middleware. */
export class JobMetrics {
  readonly enqueued: Counter;
  readonly started: Counter;
  readonly succeeded: Counter;
  readonly failed: Counter;
  private readonly outcomes: Record<FailureOutcome, Counter>;
  readonly duration: Histogram;
  readonly queueWait: Histogram;

  constructor(meterProvider: MeterProvider) {
    const meter = meterProvider.getMeter(INSTRUMENTATION_NAME);
    const counter = (name: string, description: string) => meter.createCounter(name, { description, unit: "{job}" });
    this.enqueued = counter("hopper.jobs.enqueued", "Jobs sent to a queue");
    this.started = counter("hopper.jobs.started", "Runs started (every attempt)");
    this.succeeded = counter("hopper.jobs.succeeded", "Runs that returned");
    this.failed = counter("hopper.jobs.failed", "Runs that threw (every attempt)");
    this.outcomes = {
      retrying: counter("hopper.jobs.retried", "Failed runs the worker will run again"),
      dead: counter("hopper.jobs.dead", "Failed runs whose job went to the dead letters"),
      discarded: counter("hopper.jobs.discarded", "Failed runs whose job was dropped by a discardOn rule"),
    };
    this.duration = meter.createHistogram("hopper.job.duration", { description: "Run time of perform, per attempt", unit: "s", advice: { explicitBucketBoundaries: secondsBuckets } });
    this.queueWait = meter.createHistogram("hopper.job.queue_wait", { description: "From enqueue to the first run's start (a requested wait included)", unit: "s", advice: { explicitBucketBoundaries: secondsBuckets } });
  }

  outcome(outcome: FailureOutcome, attributes: Attributes): void {
    this.outcomes[outcome].add(1, attributes);
  }
}

import type { Attributes, Counter, Histogram, Meter, MeterProvider } from "@opentelemetry/api";
import type { FailureOutcome } from "@hopper/core";
import {
  MESSAGING_DURATION_BUCKETS,
  METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES,
  METRIC_MESSAGING_CLIENT_OPERATION_DURATION,
  METRIC_MESSAGING_CLIENT_SENT_MESSAGES,
  METRIC_MESSAGING_PROCESS_DURATION,
} from "./semantic-conventions.js";
import { INSTRUMENTATION_NAME } from "./telemetry-options.js";

// Seconds, from a fast job to an hour: how long jobs wait is not bounded by the conventions' 10 s buckets.
const queueWaitBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/**
 * The package's instruments, made once per middleware: the conventions' four messaging metrics
 * (sent and consumed messages, send and process durations) and Hopper's own where they have none
 * (outcomes of runs, the wait in the queue).
 */
export class JobMetrics {
  readonly sent: Counter;
  readonly sendDuration: Histogram;
  readonly consumed: Counter;
  readonly processDuration: Histogram;
  readonly succeeded: Counter;
  readonly failed: Counter;
  private readonly outcomes: Record<FailureOutcome, Counter>;
  readonly queueWait: Histogram;
  readonly meter: Meter;

  constructor(meterProvider: MeterProvider) {
    const meter = meterProvider.getMeter(INSTRUMENTATION_NAME);
    this.meter = meter;
    const jobs = (name: string, description: string) => meter.createCounter(name, { description, unit: "{job}" });
    const seconds = { unit: "s", advice: { explicitBucketBoundaries: MESSAGING_DURATION_BUCKETS } };
    this.sent = meter.createCounter(METRIC_MESSAGING_CLIENT_SENT_MESSAGES, { description: "Jobs an enqueue call attempted to send (failed ones with error.type)", unit: "{message}" });
    this.sendDuration = meter.createHistogram(METRIC_MESSAGING_CLIENT_OPERATION_DURATION, { description: "Duration of each enqueue call (messaging.operation.name send)", ...seconds });
    this.consumed = meter.createCounter(METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES, { description: "Deliveries handed to a job's perform (every attempt)", unit: "{message}" });
    this.processDuration = meter.createHistogram(METRIC_MESSAGING_PROCESS_DURATION, { description: "Run time of perform, per attempt (failed ones with error.type)", ...seconds });
    this.succeeded = jobs("hopper.jobs.succeeded", "Runs that returned");
    this.failed = jobs("hopper.jobs.failed", "Runs that threw (every attempt)");
    this.outcomes = {
      retrying: jobs("hopper.jobs.retried", "Failed runs the worker will run again"),
      dead: jobs("hopper.jobs.dead", "Failed runs whose job went to the dead letters"),
      discarded: jobs("hopper.jobs.discarded", "Failed runs whose job was dropped by a discardOn rule"),
    };
    this.queueWait = meter.createHistogram("hopper.job.queue_wait", { description: "From enqueue to the first run's start (a requested wait included)", unit: "s", advice: { explicitBucketBoundaries: queueWaitBuckets } });
  }

  outcome(outcome: FailureOutcome, attributes: Attributes): void {
    this.outcomes[outcome].add(1, attributes);
  }
}

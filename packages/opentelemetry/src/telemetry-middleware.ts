import { context as otelContext, defaultTextMapGetter, defaultTextMapSetter, SpanKind, SpanStatusCode, trace, type Attributes, type Link, type Span } from "@opentelemetry/api";
import { EnqueueFailedError, type EnqueueMiddlewareContext, type FailureOutcome, type Middleware, type PerformMiddlewareContext } from "@hopper/core";
import { JobMetrics } from "./job-metrics.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_HOPPER_JOB_ATTEMPT,
  ATTR_HOPPER_JOB_NAME,
  ATTR_HOPPER_JOB_OUTCOME,
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  messagingSystem,
} from "./semantic-conventions.js";
import { INSTRUMENTATION_NAME, resolveTelemetryOptions, type TelemetryOptions } from "./telemetry-options.js";

/**
 * Hopper middleware that traces every enqueue call (a producer span whose context rides in the
 * envelope's meta) and every run (a consumer span continuing it), and counts and times jobs.
 * `createHopper({ middleware: [openTelemetryMiddleware()] })` or `hopper.use(openTelemetryMiddleware())`.
 */
export function openTelemetryMiddleware(options: TelemetryOptions = {}): Middleware {
  const { tracerProvider, meterProvider, propagator, consumerSpan } = resolveTelemetryOptions(options);
  const tracer = tracerProvider.getTracer(INSTRUMENTATION_NAME);
  const jobMetrics = new JobMetrics(meterProvider);

  return {
    async enqueue(context: EnqueueMiddlewareContext, next: () => Promise<string[]>): Promise<string[]> {
      const labels = labelsOf(context.jobName, context.queue, context.backend);
      const attributes: Attributes = {
        ...labels,
        [ATTR_MESSAGING_OPERATION_TYPE]: "send",
        [ATTR_MESSAGING_OPERATION_NAME]: "send",
        ...(context.count !== 1 && { [ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: context.count }),
      };
      return tracer.startActiveSpan(`send ${context.queue}`, { kind: SpanKind.PRODUCER, attributes }, async (span) => {
        // One call, one span: every job of a bulk enqueue carries this span's context.
        propagator.inject(trace.setSpan(otelContext.active(), span), context.meta, defaultTextMapSetter);
        try {
          const ids = await next();
          if (ids.length === 1) span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, ids[0]!);
          jobMetrics.enqueued.add(ids.length, labels);
          return ids;
        } catch (error) {
          // Some jobs of a batch may have gone through: they count.
          if (EnqueueFailedError.isInstance(error)) jobMetrics.enqueued.add(error.enqueuedIds.length, labels);
          recordError(span, error);
          throw error;
        } finally {
          span.end();
        }
      });
    },

    async perform(context: PerformMiddlewareContext, next: () => Promise<unknown>): Promise<unknown> {
      const job = context.context;
      const labels = labelsOf(job.jobName, job.queue, context.backend);
      const attributes: Attributes = {
        ...labels,
        [ATTR_MESSAGING_OPERATION_TYPE]: "process",
        [ATTR_MESSAGING_OPERATION_NAME]: "process",
        [ATTR_MESSAGING_MESSAGE_ID]: job.jobId,
        [ATTR_HOPPER_JOB_ATTEMPT]: job.attempt,
      };
      const active = otelContext.active();
      // The meta came through the queue: the propagator validates what it reads, and a bad value only means no parent.
      const producer = propagator.extract(active, context.meta, defaultTextMapGetter);
      const producerSpan = trace.getSpanContext(producer);
      const links: Link[] = consumerSpan === "link" && producerSpan && producerSpan !== trace.getSpanContext(active) ? [{ context: producerSpan }] : [];
      const parent = consumerSpan === "parent" ? producer : active;

      const startedAt = Date.now();
      jobMetrics.started.add(1, labels);
      const waitedMs = startedAt - job.enqueuedAt.getTime();
      // enqueuedAt comes from the envelope: a producer's clock ahead of this one must not record a negative wait.
      if (job.attempt === 1 && Number.isFinite(waitedMs)) jobMetrics.queueWait.record(Math.max(0, waitedMs) / 1000, labels);
      return tracer.startActiveSpan(`process ${job.queue}`, { kind: SpanKind.CONSUMER, attributes, links }, parent, async (span) => {
        try {
          const result = await next();
          jobMetrics.succeeded.add(1, labels);
          return result;
        } catch (error) {
          jobMetrics.failed.add(1, labels);
          const outcome = failureOutcome(context, error);
          if (outcome) {
            span.setAttribute(ATTR_HOPPER_JOB_OUTCOME, outcome);
            jobMetrics.outcome(outcome, labels);
          }
          recordError(span, error);
          throw error;
        } finally {
          jobMetrics.duration.record((Date.now() - startedAt) / 1000, labels);
          span.end();
        }
      });
    },
  };
}

function labelsOf(jobName: string, queue: string, backend: string | undefined): Attributes {
  return { [ATTR_HOPPER_JOB_NAME]: jobName, [ATTR_MESSAGING_DESTINATION_NAME]: queue, ...(backend !== undefined && { [ATTR_MESSAGING_SYSTEM]: messagingSystem(backend) }) };
}

/** The worker's decision for this failure; a policy that throws must not turn a job failure into a middleware one. */
function failureOutcome(context: PerformMiddlewareContext, error: unknown): FailureOutcome | undefined {
  try {
    return context.failureOutcome?.(error);
  } catch {
    return undefined;
  }
}

function recordError(span: Span, error: unknown): void {
  const recorded = error instanceof Error ? error : new Error(String(error));
  span.recordException(recorded);
  span.setAttribute(ATTR_ERROR_TYPE, recorded.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: recorded.message });
}

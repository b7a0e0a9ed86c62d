import { context as otelContext, defaultTextMapGetter, defaultTextMapSetter, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span, type SpanContext } from "@opentelemetry/api";
import { EnqueueFailedError, JobTimeoutError, redactedError, type EnqueueMiddlewareContext, type FailureOutcome, type Middleware, type PerformMiddlewareContext } from "@hopper/core";
import { JobMetrics } from "./job-metrics.js";
import { createNothingRegistered } from "./sdk-presence.js";
import {
  ATTR_ERROR_TYPE,
  ATTR_HOPPER_JOB_ATTEMPT,
  ATTR_HOPPER_JOB_ABANDONED,
  ATTR_HOPPER_JOB_HUNG,
  ATTR_HOPPER_JOB_NAME,
  ATTR_HOPPER_JOB_OUTCOME,
  ATTR_HOPPER_QUEUE_NAME,
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ERROR_TYPE_VALUE_OTHER,
  MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
  MESSAGING_OPERATION_TYPE_VALUE_SEND,
  messagingSystem,
} from "./semantic-conventions.js";
import { INSTRUMENTATION_NAME, resolveTelemetryOptions, type TelemetryOptions } from "./telemetry-options.js";
import { traceLogFields } from "./trace-log-fields.js";

/**
 * Hopper middleware that traces every enqueue call (a producer span whose context rides in the
 * envelope's meta) and every run (a consumer span continuing it), and counts and times jobs.
 * `createHopper({ middleware: [openTelemetryMiddleware()] })` or `hopper.use(openTelemetryMiddleware())`.
 */
export function openTelemetryMiddleware(options: TelemetryOptions = {}): Middleware {
  const { tracerProvider, meterProvider, propagator, consumerSpan } = resolveTelemetryOptions(options);
  const tracer = tracerProvider.getTracer(INSTRUMENTATION_NAME);
  const jobMetrics = new JobMetrics(meterProvider);
  const nothingRegistered = createNothingRegistered(tracerProvider, jobMetrics.meter, propagator);
  // The spans of runs still going, each ended at once before an exit (trackRunSpan).
  const openRuns = new Set<RunSpan>();

  // Not async: with nothing registered the job's own promise passes through untouched (an async wrapper
  // would add a promise and microtask hops to every job).
  return {
    enqueue: (context, next) => (nothingRegistered() ? next() : tracedEnqueue(context, next)),
    perform: (context, next) => (nothingRegistered() ? next() : tracedPerform(context, next)),
    // exitOnHungJob ends the process: the hung run's span ends now (the bound may come before its second), so do the
    // spans of runs still going for other reasons (one ignoring its ShutdownError), and what the providers batch for
    // export goes out, or a trace would never show why the process exited or what it left unfinished.
    async beforeExit() {
      for (const run of [...openRuns]) {
        try {
          run.endAtExit();
        } catch {
          // A span processor that throws on end: the other spans still end, and the flush below still runs.
        }
      }
      // Each provider on its own: a tracer flush that fails (an exporter down) must not cut the meter's short.
      await Promise.allSettled([forceFlush(tracerProvider), forceFlush(meterProvider)]);
    },
  };

  async function tracedEnqueue(context: EnqueueMiddlewareContext, next: () => Promise<string[]>): Promise<string[]> {
    const labels = labelsOf(context.jobName, context.queue, context.destination, context.backend);
    const sendLabels: Attributes = { ...labels, [ATTR_MESSAGING_OPERATION_NAME]: MESSAGING_OPERATION_TYPE_VALUE_SEND };
    const attributes: Attributes = {
      ...sendLabels,
      [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_SEND,
      ...(context.count !== 1 && { [ATTR_MESSAGING_BATCH_MESSAGE_COUNT]: context.count }),
    };
    // PRODUCER: this span's context is the creation context of every job the call sends (no "create" spans).
    return tracer.startActiveSpan(`${MESSAGING_OPERATION_TYPE_VALUE_SEND} ${context.destination}`, { kind: SpanKind.PRODUCER, attributes }, async (span) => {
      propagator.inject(trace.setSpan(otelContext.active(), span), context.meta, defaultTextMapSetter);
      const startedAt = performance.now();
      const operation = { ...sendLabels, [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_SEND };
      try {
        const ids = await next();
        if (ids.length === 1) span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, ids[0]!);
        jobMetrics.sent.add(ids.length, sendLabels);
        jobMetrics.sendDuration.record((performance.now() - startedAt) / 1000, operation);
        return ids;
      } catch (error) {
        const errorType = errorTypeOf(error);
        // Some jobs of a batch may have gone through: they count as sent, the rest as failed.
        const enqueued = EnqueueFailedError.isInstance(error) ? error.enqueuedIds.length : 0;
        if (enqueued > 0) jobMetrics.sent.add(enqueued, sendLabels);
        if (context.count > enqueued) jobMetrics.sent.add(context.count - enqueued, { ...sendLabels, [ATTR_ERROR_TYPE]: errorType });
        jobMetrics.sendDuration.record((performance.now() - startedAt) / 1000, { ...operation, [ATTR_ERROR_TYPE]: errorType });
        recordError(span, error, errorType);
        throw error;
      } finally {
        span.end();
      }
    });
  }

  async function tracedPerform(context: PerformMiddlewareContext, next: () => Promise<unknown>): Promise<unknown> {
    const job = context.context;
    const destination = context.destination ?? job.queue;
    const labels = labelsOf(job.jobName, job.queue, destination, context.backend);
    const processLabels: Attributes = { ...labels, [ATTR_MESSAGING_OPERATION_NAME]: MESSAGING_OPERATION_TYPE_VALUE_PROCESS };
    const attributes: Attributes = {
      ...processLabels,
      [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
      [ATTR_MESSAGING_MESSAGE_ID]: job.jobId,
      [ATTR_HOPPER_JOB_ATTEMPT]: job.attempt,
    };
    const { parent, links } = consumerPlacement(propagator.extract(otelContext.active(), context.meta, defaultTextMapGetter), otelContext.active(), consumerSpan);

    const startedAt = performance.now();
    jobMetrics.consumed.add(1, processLabels);
    const waitedMs = Date.now() - job.enqueuedAt.getTime();
    // enqueuedAt comes from the envelope: a producer's clock ahead of this one must not record a negative wait.
    if (job.attempt === 1 && Number.isFinite(waitedMs)) jobMetrics.queueWait.record(Math.max(0, waitedMs) / 1000, labels);
    return tracer.startActiveSpan(`${MESSAGING_OPERATION_TYPE_VALUE_PROCESS} ${destination}`, { kind: SpanKind.CONSUMER, attributes, links }, parent, async (span) => {
      // The worker's lines about this run (its outcome too, written after the span ends) join the span.
      Object.assign(context.logFields, traceLogFields(span.spanContext()));
      const run = trackRunSpan(span, job.signal, openRuns);
      try {
        const result = await next();
        jobMetrics.processDuration.record((performance.now() - startedAt) / 1000, processLabels);
        jobMetrics.succeeded.add(1, labels);
        return result;
      } catch (error) {
        const errorType = errorTypeOf(error);
        jobMetrics.processDuration.record((performance.now() - startedAt) / 1000, { ...processLabels, [ATTR_ERROR_TYPE]: errorType });
        jobMetrics.failed.add(1, labels);
        const outcome = failureOutcome(context, error);
        if (outcome) {
          if (!run.ended) span.setAttribute(ATTR_HOPPER_JOB_OUTCOME, outcome);
          jobMetrics.outcome(outcome, labels);
        }
        if (!run.ended) recordError(span, error, errorType);
        throw error;
      } finally {
        run.dispose();
        if (!run.ended) span.end();
      }
    });
  }
}

/** How long past its timeout a run may go on before its span ends without it: the core's first "ignores its timeout" warning. */
const hungSpanEndMs = 1000;

/** A run's span while the run goes on: `ended` once something other than the run's own end ended it. */
interface RunSpan {
  readonly ended: boolean;
  /** Ends the span now, before the process exits with the run still going. */
  endAtExit(): void;
  /** The run ended: no early end any more. */
  dispose(): void;
}

/**
 * An open span is never exported. A run past its timeout that ignores its signal keeps its worker slot and lease
 * until perform returns, perhaps never: a trace would not show the hung job at all. So its span ends a second after
 * the timeout aborted the signal, with the JobTimeoutError and `hopper.job.hung`; the run's own end, whenever it
 * comes, is then counted in the metrics only. And a process that exits with runs still going (exitOnHungJob) ends
 * every open span first: the hung run's as hung, any other with `hopper.job.abandoned` and the reason its signal was
 * aborted with (a ShutdownError), if any.
 */
function trackRunSpan(span: Span, signal: AbortSignal | undefined, openRuns: Set<RunSpan>): RunSpan {
  let timer: NodeJS.Timeout | undefined;
  let timeout: unknown;
  const end = (attribute: string, reason: unknown) => {
    clearTimeout(timer);
    openRuns.delete(run);
    state.ended = true;
    span.setAttribute(attribute, true);
    if (reason === undefined) {
      span.setAttribute(ATTR_ERROR_TYPE, "ProcessExit");
      span.setStatus({ code: SpanStatusCode.ERROR, message: "the process exited while the run went on" });
    } else {
      recordError(span, reason, errorTypeOf(reason));
    }
    span.end();
  };
  const onAbort = () => {
    const reason: unknown = signal!.reason;
    if (!JobTimeoutError.isInstance(reason)) return;
    timeout = reason;
    timer = setTimeout(() => end(ATTR_HOPPER_JOB_HUNG, reason), hungSpanEndMs);
    timer.unref();
  };
  const state = { ended: false };
  const run: RunSpan = {
    get ended() {
      return state.ended;
    },
    endAtExit() {
      if (state.ended) return;
      if (timeout !== undefined) end(ATTR_HOPPER_JOB_HUNG, timeout);
      else end(ATTR_HOPPER_JOB_ABANDONED, signal?.aborted ? (signal.reason as unknown) : undefined);
    },
    dispose() {
      clearTimeout(timer);
      openRuns.delete(run);
      signal?.removeEventListener("abort", onAbort);
    },
  };
  openRuns.add(run);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  return run;
}

/** An SDK provider's `forceFlush`, when it has one; the API's global tracer provider is a proxy for the SDK's (`getDelegate`). */
async function forceFlush(provider: object): Promise<void> {
  const target = (provider as { getDelegate?: () => object }).getDelegate?.() ?? provider;
  await (target as { forceFlush?: () => Promise<void> }).forceFlush?.();
}

/**
 * Where a process span goes. The conventions: it links to the message's creation context; "parent" (their
 * opt-in for single messages) also makes that context its parent, and then links to the span it runs
 * under, if any (a push handler's HTTP span), so that correlation is kept; "link" (their default) leaves it
 * under whatever is active. The meta came through the queue: the propagator validates what it reads, and a
 * bad value only means no creation context.
 */
function consumerPlacement(extracted: Context, active: Context, consumerSpan: "parent" | "link"): { parent: Context; links: Link[] } {
  const creation = validSpanContext(trace.getSpanContext(extracted));
  if (!creation) return { parent: active, links: [] };
  const ambient = validSpanContext(trace.getSpanContext(active));
  const creationLink: Link = { context: creation };
  if (consumerSpan === "link") return { parent: active, links: ambient?.spanId === creation.spanId ? [] : [creationLink] };
  return { parent: extracted, links: ambient && ambient.spanId !== creation.spanId ? [creationLink, { context: ambient }] : [creationLink] };
}

function validSpanContext(spanContext: SpanContext | undefined): SpanContext | undefined {
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * messaging.destination.name is the name the transport knows the queue by (an SQS queue's or a Pub/Sub topic's own,
 * prefix included, so two applications sharing an account are told apart); hopper.queue.name is Hopper's, the same
 * on every backend.
 */
function labelsOf(jobName: string, queue: string, destination: string, backend: string | undefined): Attributes {
  return { [ATTR_HOPPER_JOB_NAME]: jobName, [ATTR_HOPPER_QUEUE_NAME]: queue, [ATTR_MESSAGING_DESTINATION_NAME]: destination, ...(backend !== undefined && { [ATTR_MESSAGING_SYSTEM]: messagingSystem(backend) }) };
}

/** The worker's decision for this failure; a policy that throws must not turn a job failure into a middleware one. */
function failureOutcome(context: PerformMiddlewareContext, error: unknown): FailureOutcome | undefined {
  try {
    return context.failureOutcome?.(error);
  } catch {
    return undefined;
  }
}

/**
 * error.type: the error's class name (its constructor's where `name` was left at "Error"), or the
 * conventions' `_OTHER` for a thrown value that is not an Error.
 */
function errorTypeOf(error: unknown): string {
  if (!(error instanceof Error)) return ERROR_TYPE_VALUE_OTHER;
  const className = error.constructor?.name;
  return error.name === "Error" && typeof className === "string" && className !== "" ? className : error.name || ERROR_TYPE_VALUE_OTHER;
}

function recordError(span: Span, error: unknown, errorType: string): void {
  // Spans usually leave for a tracing service: the error as the records and logs keep it, credentials hidden.
  const recorded = redactedError(error);
  span.recordException(recorded);
  span.setAttribute(ATTR_ERROR_TYPE, errorType);
  span.setStatus({ code: SpanStatusCode.ERROR, message: recorded.message });
}

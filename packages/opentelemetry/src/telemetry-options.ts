import { metrics, propagation, trace, type MeterProvider, type TextMapPropagator, type TracerProvider } from "@opentelemetry/api";
import { ConfigurationError } from "@hopper/core";
import { optionKeysOf, rejectUnknownOptions } from "@hopper/core/backend";

export interface TelemetryOptions {
  /** Where spans go; default: the global tracer provider (none registered: spans cost next to nothing and go nowhere). */
  readonly tracerProvider?: TracerProvider;
  /** Where metrics go; default: the global meter provider. */
  readonly meterProvider?: MeterProvider;
  /** Writes and reads the trace context in the envelope's meta; default: the global propagator (W3C traceparent/tracestate with the Node SDK). */
  readonly propagator?: TextMapPropagator;
  /**
   * How a perform span relates to the span that enqueued the job: "parent" (default) puts it in the
   * enqueuer's trace, "link" starts it under whatever is active where the job runs and links it to the enqueuer.
   */
  readonly consumerSpan?: "parent" | "link";
}

export const INSTRUMENTATION_NAME = "@hopper/opentelemetry";

const telemetryOptionKeys = optionKeysOf<TelemetryOptions>({ tracerProvider: true, meterProvider: true, propagator: true, consumerSpan: true });

export interface ResolvedTelemetryOptions {
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  readonly propagator: TextMapPropagator;
  readonly consumerSpan: "parent" | "link";
}

export function resolveTelemetryOptions(options: TelemetryOptions): ResolvedTelemetryOptions {
  if (typeof options !== "object" || options === null) throw new ConfigurationError({ field: "options", message: "must be an object such as { consumerSpan: \"parent\" }" });
  rejectUnknownOptions(options, telemetryOptionKeys, "openTelemetryMiddleware()");
  const consumerSpan = options.consumerSpan ?? "parent";
  if (consumerSpan !== "parent" && consumerSpan !== "link") {
    throw new ConfigurationError({ field: "consumerSpan", message: `must be "parent" or "link", got ${JSON.stringify(options.consumerSpan)}` });
  }
  return {
    tracerProvider: options.tracerProvider ?? trace.getTracerProvider(),
    meterProvider: options.meterProvider ?? metrics.getMeterProvider(),
    propagator: options.propagator ?? propagation,
    consumerSpan,
  };
}

import { trace, type SpanContext } from "@opentelemetry/api";

/**
 * Trace context for a structured log line, under the names OpenTelemetry gives it outside OTLP
 * (`trace_id`, `span_id`, `trace_flags`), or nothing for an invalid context (no SDK, no parent).
 */
export function traceLogFields(spanContext: SpanContext): Record<string, string> {
  if (!trace.isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId, trace_flags: `0${spanContext.traceFlags.toString(16)}`.slice(-2) };
}

// Test-only: the real OpenTelemetry SDK with in-memory exporters, and plain-JSON views of what they hold
// (so a child process can hand its spans and metrics to the test).
import { context, type TextMapPropagator } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace";

export interface SpanRecord {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly links: readonly { traceId: string; spanId: string }[];
  readonly attributes: Record<string, unknown>;
  readonly status: number;
  readonly statusMessage?: string;
  readonly exceptions: number;
  /** Each exception event's attributes, as text: what a tracing backend would be sent. */
  readonly exceptionTexts: readonly string[];
}

/** One data point per metric and attribute set: a counter's sum, or a histogram's count (and its bucket boundaries). */
export interface MetricPoint {
  readonly name: string;
  readonly unit: string;
  readonly attributes: Record<string, unknown>;
  readonly value: number;
  readonly boundaries?: readonly number[];
}

export interface TestSdk {
  readonly tracerProvider: TracerProvider;
  readonly meterProvider: MeterProvider;
  readonly propagator: TextMapPropagator;
  /** Calls `onSpanEnd` as each span ends. */
  spans(): SpanRecord[];
  metrics(): Promise<MetricPoint[]>;
  shutdown(): Promise<void>;
}

export function startTestSdk(onSpanEnd: (span: ReadableSpan) => void = () => {}): TestSdk {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter }), { onStart() {}, onEnd: onSpanEnd, forceFlush: async () => {}, shutdown: async () => {} }],
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Exports only when flushed: the interval never comes around in a test.
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracerProvider,
    meterProvider,
    propagator: new W3CTraceContextPropagator(),
    spans: () => spanExporter.getFinishedSpans().map(spanRecord),
    async metrics() {
      metricExporter.reset();
      await reader.forceFlush();
      const latest = metricExporter.getMetrics().at(-1);
      return (latest?.scopeMetrics ?? []).flatMap((scope) =>
        scope.metrics.flatMap((metric) =>
          metric.dataPoints.map((point) => {
            const histogram = metric.dataPointType === DataPointType.HISTOGRAM ? (point.value as { count: number; buckets: { boundaries: number[] } }) : undefined;
            return {
              name: metric.descriptor.name,
              unit: metric.descriptor.unit,
              attributes: { ...point.attributes },
              value: histogram ? histogram.count : (point.value as number),
              ...(histogram && { boundaries: histogram.buckets.boundaries }),
            };
          }),
        ),
      );
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      contextManager.disable();
      context.disable();
    },
  };
}

function spanRecord(span: ReadableSpan): SpanRecord {
  return {
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    ...(span.parentSpanContext && { parentSpanId: span.parentSpanContext.spanId }),
    links: span.links.map((link) => ({ traceId: link.context.traceId, spanId: link.context.spanId })),
    attributes: { ...span.attributes },
    status: span.status.code,
    ...(span.status.message !== undefined && { statusMessage: span.status.message }),
    exceptions: span.events.filter((event) => event.name === "exception").length,
    exceptionTexts: span.events.filter((event) => event.name === "exception").map((event) => JSON.stringify(event.attributes ?? {})),
  };
}

/** The sum of a metric's points whose attributes include `attributes`. */
export function metricTotal(points: readonly MetricPoint[], name: string, attributes: Record<string, unknown> = {}): number {
  return points
    .filter((point) => point.name === name && Object.entries(attributes).every(([key, value]) => point.attributes[key] === value))
    .reduce((sum, point) => sum + point.value, 0);
}

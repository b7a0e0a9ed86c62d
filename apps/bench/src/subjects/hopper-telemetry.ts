import { ConfigurationError, type Middleware } from "@hopper/core";

/** What HOPPER_BENCH_TELEMETRY adds to the Hopper subject, to measure @hopper/opentelemetry's overhead. */
export interface BenchTelemetry {
  readonly middleware: Middleware[];
  shutdown(): Promise<void>;
}

export const benchTelemetryModes = ["off", "passthrough", "api", "sdk"] as const;

/**
 * "off" (default): no middleware. "passthrough": a middleware that only calls `next` (what any
 * middleware costs the worker, to tell it from the OpenTelemetry code's own). "api": the middleware with no SDK registered (the cost every
 * application pays once it installs the package). "sdk": the real SDK with a batch span processor and
 * a periodic metric reader whose exporters drop what they get (the cost of recording, not of shipping).
 * The packages load only when asked for, so an "off" run holds none of them.
 */
export async function benchTelemetry(mode: string = "off"): Promise<BenchTelemetry> {
  if (mode === "off") return { middleware: [], shutdown: async () => {} };
  if (mode === "passthrough") return { middleware: [{ enqueue: (_context, next) => next(), perform: (_context, next) => next() }], shutdown: async () => {} };
  const { openTelemetryMiddleware } = await import("@hopper/opentelemetry");
  if (mode === "api") return { middleware: [openTelemetryMiddleware()], shutdown: async () => {} };
  if (mode !== "sdk") throw new ConfigurationError({ field: "HOPPER_BENCH_TELEMETRY", message: `must be one of ${benchTelemetryModes.join(", ")}, got ${JSON.stringify(mode)}` });

  const [{ context }, { AsyncLocalStorageContextManager }, { W3CTraceContextPropagator, ExportResultCode }, { BatchSpanProcessor, TracerProvider }, { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality }] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/context-async-hooks"),
    import("@opentelemetry/core"),
    import("@opentelemetry/sdk-trace"),
    import("@opentelemetry/sdk-metrics"),
  ]);
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const dropped = (_items: unknown, done: (result: { code: number }) => void) => done({ code: ExportResultCode.SUCCESS });
  const tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: { export: dropped, shutdown: async () => {} } })] });
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: { export: dropped, forceFlush: async () => {}, shutdown: async () => {}, selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE }, exportIntervalMillis: 10_000 })],
  });
  return {
    middleware: [openTelemetryMiddleware({ tracerProvider, meterProvider, propagator: new W3CTraceContextPropagator() })],
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      contextManager.disable();
    },
  };
}

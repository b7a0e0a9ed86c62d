import { createNoopMeter, ProxyTracerProvider, type Meter, type TextMapPropagator, type TracerProvider } from "@opentelemetry/api";

// The API's shared no-op provider, which a ProxyTracerProvider hands out until an SDK is registered.
const noopTracerProvider = new ProxyTracerProvider().getDelegate();

/**
 * A check, cheap enough to ask per job, of whether anything would record, export or carry what the
 * middleware makes: false once a tracer SDK is registered (asked each time: an SDK may start after the
 * Hopper), a propagator writes fields, or a real meter or tracer provider was given. While it answers
 * true the middleware calls `next` and nothing else, so installing the package costs no per-job work.
 */
export function createNothingRegistered(tracerProvider: TracerProvider, meter: Meter, propagator: TextMapPropagator): () => boolean {
  // The API has no proxy for metrics: the meter is fixed when the middleware is made. (Another copy of the
  // API package in the tree fails these identity checks: the middleware then takes its full path, as with an SDK.)
  if (meter !== createNoopMeter() || !(tracerProvider instanceof ProxyTracerProvider)) return () => false;
  return () => tracerProvider.getDelegate() === noopTracerProvider && propagator.fields().length === 0;
}

import { ConfigurationError } from "./errors/configuration-error.js";
import type { JobContext } from "./job.js";
import type { Logger } from "./logger.js";

export interface EnqueueMiddlewareContext {
  readonly jobName: string;
  readonly queue: string;
  readonly count: number;
  /** Added to every envelope's `meta` (e.g. a traceparent). */
  readonly meta: Record<string, string>;
  /** The backend's name ("redis", "sqs" …): a label for telemetry, like in errors and stats; nothing may branch on it. */
  readonly backend: string;
  /** The name the transport knows the queue by (`Backend.destinationOf`: an SQS queue's, a Pub/Sub topic's), else the queue's. */
  readonly destination: string;
}

/** What the worker does with a job whose run failed: run it again later, dead-letter it, or drop it. */
export type FailureOutcome = "retrying" | "dead" | "discarded";

export interface PerformMiddlewareContext {
  readonly jobName: string;
  readonly args: unknown;
  readonly meta: Readonly<Record<string, string>>;
  readonly context: JobContext;
  /** The backend's name, a label for telemetry; absent for performNow, which runs without a backend. */
  readonly backend?: string;
  /** The name the transport knows the job's queue by (`Backend.destinationOf`); absent for performNow. */
  readonly destination?: string;
  /**
   * What the worker will do if this run fails with `error`, by the job's retry policy and this attempt.
   * Absent for performNow, whose errors go to its caller. A run past its timeout is judged by the
   * JobTimeoutError the worker wraps it in, which middleware does not see: the outcome may then differ.
   */
  readonly failureOutcome?: (error: unknown) => FailureOutcome;
  /**
   * Fields for every line the worker logs about this run, and every line the job writes through
   * `ctx.logger`, also after the run (its outcome): middleware adds to it, e.g. the run's trace id
   * (`@hopper/opentelemetry` writes `trace_id`, `span_id`, `trace_flags`). The job's own identity
   * fields (`jobId`, `job`, `queue`, `attempt`, `backend`) win over these.
   */
  readonly logFields: Record<string, unknown>;
}

/**
 * Around hooks: each calls `next()` to go on, and may act before and after it. A perform layer's `next()` runs the
 * rest once: called again it answers the same promise (the job does not run twice), unless it rejected, when it runs
 * again. An enqueue layer's `next()` sends again each time it is called (a copy, under the same ids when the caller
 * chose them: at-least-once allows it, and the conformance suite sends duplicates this way).
 */
export interface Middleware {
  enqueue?(context: EnqueueMiddlewareContext, next: () => Promise<string[]>): Promise<string[]>;
  perform?(context: PerformMiddlewareContext, next: () => Promise<unknown>): Promise<unknown>;
  /**
   * The process is about to exit on Hopper's own decision (`exitOnHungJob`), after the worker's graceful stop: write
   * out what the layer still holds (a hung run's open span, spans and metrics batched for export). Awaited within the
   * exit's bound; a rejection is logged and the process exits anyway.
   */
  beforeExit?(): Promise<void>;
}

/** Checks a middleware layer before any job meets it: an object whose `enqueue`, `perform` and `beforeExit`, when given, are functions. */
export function checkMiddlewareLayer(layer: unknown, field: string): Middleware {
  if (typeof layer !== "object" || layer === null) {
    throw new ConfigurationError({ field, message: `give a middleware object with enqueue, perform and/or beforeExit functions, got ${layer === null ? "null" : typeof layer}` });
  }
  for (const hook of ["enqueue", "perform", "beforeExit"] as const) {
    const value = (layer as Record<string, unknown>)[hook];
    const shape = hook === "beforeExit" ? "async () => …" : "(context, next) => …";
    if (value !== undefined && typeof value !== "function") throw new ConfigurationError({ field: `${field}.${hook}`, message: `must be a function ${shape}, got ${typeof value}` });
  }
  return layer as Middleware;
}

/** createHopper's `middleware`: a list of layers, each checked. */
export function checkMiddleware(middleware: unknown): Middleware[] {
  if (middleware === undefined) return [];
  if (!Array.isArray(middleware)) throw new ConfigurationError({ field: "middleware", message: "give a list of middleware objects: createHopper({ middleware: [tracing] })" });
  return middleware.map((layer, index) => checkMiddlewareLayer(layer, `middleware[${index}]`));
}

/** Every layer's `beforeExit`, together; a layer that fails is logged, never thrown. */
export async function runBeforeExit(middleware: readonly Middleware[], logger: Logger): Promise<void> {
  await Promise.all(
    middleware.map(async (layer, index) => {
      try {
        await layer.beforeExit?.();
      } catch (error) {
        logger.error("a middleware's beforeExit failed; the process exits anyway", { middleware: index, error });
      }
    }),
  );
}

export function runEnqueueMiddleware(middleware: readonly Middleware[], context: EnqueueMiddlewareContext, last: () => Promise<string[]>): Promise<string[]> {
  return middleware.reduceRight<() => Promise<string[]>>((next, layer) => (layer.enqueue ? () => layer.enqueue!(context, next) : next), last)();
}

export function runPerformMiddleware(middleware: readonly Middleware[], context: PerformMiddlewareContext, last: () => Promise<unknown>): Promise<unknown> {
  return middleware.reduceRight<() => Promise<unknown>>((next, layer) => (layer.perform ? () => layer.perform!(context, onceUnlessRejected(next)) : next), last)();
}

/**
 * The `next` a perform layer gets: the rest of the chain runs once, and a second call answers the first's promise,
 * so a layer calling `next()` twice cannot run the job twice. After a rejection it runs again: a layer may retry
 * what failed.
 */
function onceUnlessRejected<T>(next: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= next().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

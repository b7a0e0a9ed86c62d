import type { JobContext } from "./job.js";

export interface EnqueueMiddlewareContext {
  readonly jobName: string;
  readonly queue: string;
  readonly count: number;
  /** Added to every envelope's `meta` (e.g. a traceparent). */
  readonly meta: Record<string, string>;
}

export interface PerformMiddlewareContext {
  readonly jobName: string;
  readonly args: unknown;
  readonly meta: Readonly<Record<string, string>>;
  readonly context: JobContext;
}

/** Around hooks: each calls `next()` to go on, and may act before and after it. */
export interface Middleware {
  enqueue?(context: EnqueueMiddlewareContext, next: () => Promise<string[]>): Promise<string[]>;
  perform?(context: PerformMiddlewareContext, next: () => Promise<unknown>): Promise<unknown>;
}

export function runEnqueueMiddleware(middleware: readonly Middleware[], context: EnqueueMiddlewareContext, last: () => Promise<string[]>): Promise<string[]> {
  return middleware.reduceRight<() => Promise<string[]>>((next, layer) => (layer.enqueue ? () => layer.enqueue!(context, next) : next), last)();
}

export function runPerformMiddleware(middleware: readonly Middleware[], context: PerformMiddlewareContext, last: () => Promise<unknown>): Promise<unknown> {
  return middleware.reduceRight<() => Promise<unknown>>((next, layer) => (layer.perform ? () => layer.perform!(context, next) : next), last)();
}

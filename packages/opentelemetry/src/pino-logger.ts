import { trace } from "@opentelemetry/api";
import type { Logger } from "@hopper/core";
import { traceLogFields } from "./trace-log-fields.js";

type PinoMethod = (fields: Record<string, unknown>, message: string) => void;

/** The part of a pino logger (or any logger taking fields first) that Hopper uses. */
export interface FieldsFirstLogger {
  debug: PinoMethod;
  info: PinoMethod;
  warn: PinoMethod;
  error: PinoMethod;
}

/**
 * Hopper's logger is `info(message, fields)`, pino's `info(fields, message)`: this adapts one to the
 * other. Hopper's `error` field becomes pino's `err` (pino serializes errors under that key), and a
 * line logged while a span is active carries its `trace_id`, `span_id` and `trace_flags`, unless the
 * line already names a trace: the worker's lines about a run carry that run's (see `logFields`).
 */
export function pinoLogger(pino: FieldsFirstLogger): Logger {
  const write = (method: PinoMethod) => (message: string, fields?: Record<string, unknown>) => method.call(pino, withTrace(renameError(fields)), message);
  return { debug: write(pino.debug), info: write(pino.info), warn: write(pino.warn), error: write(pino.error) };
}

function renameError(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (fields === undefined) return {};
  if (!("error" in fields)) return fields;
  const { error, ...rest } = fields;
  return { ...rest, err: error };
}

function withTrace(fields: Record<string, unknown>): Record<string, unknown> {
  if ("trace_id" in fields) return fields;
  const span = trace.getActiveSpan()?.spanContext();
  return span && trace.isSpanContextValid(span) ? { ...fields, ...traceLogFields(span) } : fields;
}

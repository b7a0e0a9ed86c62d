import { redactSecrets, redactValue } from "./redaction.js";

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const levels = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof levels)[number];

/** Logs to stderr at `level` and above; the default level comes from HOPPER_LOG_LEVEL, else "warn". */
export function createConsoleLogger(level: LogLevel = readLevel(process.env.HOPPER_LOG_LEVEL)): Logger {
  const threshold = levels.indexOf(level);
  const write = (at: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (levels.indexOf(at) < threshold) return;
    console.error(`[hopper] ${at} ${message}${fields ? ` ${JSON.stringify(fields, errorReplacer)}` : ""}`);
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

function readLevel(value: string | undefined): LogLevel {
  return levels.includes(value as LogLevel) ? (value as LogLevel) : "warn";
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}

/** Replaces credentials in `text` (`redis://user:secret@host` → `redis://***@host`, `password=…` → `password=***`). */
export const redactCredentials: (text: string) => string = redactSecrets;

/**
 * Wraps a logger so connection strings never reach it: credentials are
 * replaced in every string field; an error that holds one anywhere (message,
 * stack, cause, a driver's own properties) is replaced by a sanitized copy.
 * Hopper logs no job args unless `logArgs` is set, so there are none to hide here.
 */
export function redactingLogger(logger: Logger): Logger {
  const clean = (fields: Record<string, unknown> | undefined) => (fields === undefined ? undefined : Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, redactValue(value)])));
  return {
    debug: (message, fields) => logger.debug(redactCredentials(message), clean(fields)),
    info: (message, fields) => logger.info(redactCredentials(message), clean(fields)),
    warn: (message, fields) => logger.warn(redactCredentials(message), clean(fields)),
    error: (message, fields) => logger.error(redactCredentials(message), clean(fields)),
  };
}

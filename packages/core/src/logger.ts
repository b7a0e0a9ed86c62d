import { inspect } from "node:util";
import { ConfigurationError } from "./errors/configuration-error.js";
import { redactSecrets, redactValue, sanitizedError } from "./redaction.js";

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /**
   * Whether lines at `level` are written (pino's and winston's method of the same name fit).
   * Optional: when it answers false Hopper skips building the line, its fields and its
   * redaction, which for the per-job debug lines is a measurable share of a no-op job's cost.
   */
  isLevelEnabled?(level: LineLevel): boolean;
}

const levels = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof levels)[number];
/** The level of one line. */
export type LineLevel = Exclude<LogLevel, "silent">;

/**
 * A logger given to Hopper, checked before any line is written: one without a level (a hand-made
 * `{ info, error }`) would throw at its first line of that level, mid-job, and fail the job.
 */
export function checkLogger(logger: unknown, field = "logger"): Logger {
  const holdsMethods = (typeof logger === "object" && logger !== null) || typeof logger === "function";
  const missing = holdsMethods ? lineLevels.filter((level) => typeof (logger as Record<string, unknown>)[level] !== "function") : lineLevels;
  if (missing.length > 0) {
    throw new ConfigurationError({ field, message: `give a logger with debug, info, warn and error functions (console, pino, bunyan and winston with its default levels fit); missing ${missing.join(", ")}` });
  }
  return logger as Logger;
}

const lineLevels: readonly LineLevel[] = ["debug", "info", "warn", "error"];

/** A `logger` option: checked and redacting, or the console logger when none was given. */
export function loggerOption(logger: unknown, field = "logger"): Logger {
  return redactingLogger(logger === undefined ? createConsoleLogger() : checkLogger(logger, field));
}

/**
 * Lines a stranger can cause (refused pushes, failed polls of a public endpoint), each kind written at most once per
 * `intervalMs`, the next one saying how many of its kind were left out since (`sameKindSinceLastLine`). Keys must be a
 * fixed few (the kind of line, never text the sender chose), or the bound would not hold.
 */
export class ThrottledLog {
  private readonly last = new Map<string, { at: number; skipped: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  write(level: LineLevel, kind: string, message: string, fields: Record<string, unknown> = {}): void {
    const now = Date.now();
    const seen = this.last.get(kind);
    if (seen && now - seen.at < this.intervalMs) {
      seen.skipped += 1;
      return;
    }
    this.last.set(kind, { at: now, skipped: 0 });
    this.logger[level](message, seen && seen.skipped > 0 ? { ...fields, sameKindSinceLastLine: seen.skipped } : fields);
  }
}

/** Whether `logger` writes lines at `level`; a logger that cannot say is assumed to. */
export function writesAt(logger: Logger, level: LineLevel): boolean {
  return logger.isLevelEnabled?.(level) !== false;
}

/** Logs to stderr at `level` and above; the default level comes from HOPPER_LOG_LEVEL, else "warn". */
export function createConsoleLogger(level: LogLevel = readLevel(process.env.HOPPER_LOG_LEVEL)): Logger {
  const threshold = levels.indexOf(level);
  const write = (at: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (levels.indexOf(at) < threshold) return;
    console.error(`[hopper] ${at} ${message}${fields ? ` ${fieldsText(fields)}` : ""}`);
  };
  const logger: Logger = { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
  // Not enumerable: `{ ...createConsoleLogger("silent"), warn: mine }` must not inherit an answer that says its own warn is off.
  Object.defineProperty(logger, "isLevelEnabled", { value: (at: LineLevel) => levels.indexOf(at) >= threshold, enumerable: false });
  return logger;
}

function readLevel(value: string | undefined): LogLevel {
  return levels.includes(value as LogLevel) ? (value as LogLevel) : "warn";
}

/**
 * A log line's fields as JSON; fields JSON cannot hold (a BigInt, a cycle, a getter that throws, a Proxy) as Node
 * prints them instead. A log call must never throw: inside a job it failed the job, and in the worker it left a
 * message unsettled.
 */
function fieldsText(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields, errorReplacer);
  } catch {
    try {
      return inspect(fields, { depth: 4, breakLength: Infinity, showProxy: true, getters: false });
    } catch {
      return "[fields that cannot be printed]";
    }
  }
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return `${value}n`;
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}

/** Replaces credentials in `text` (`redis://user:secret@host` → `redis://***@host`, `password=…` → `password=***`). */
export const redactCredentials: (text: string) => string = redactSecrets;

/**
 * A copy of a thrown value safe to send anywhere (a tracing service, an answer): an Error of the same name with its
 * message, stack and cause chain redacted and a driver's own properties (options, requests) left out.
 */
export const redactedError: (error: unknown) => Error = (error) => sanitizedError(error);

/**
 * Wraps a logger so connection strings never reach it: credentials are
 * replaced in every string field; an error that holds one anywhere (message,
 * stack, cause, a driver's own properties) is replaced by a sanitized copy.
 * Hopper logs no job args unless `logArgs` is set, so there are none to hide here.
 */
export function redactingLogger(logger: Logger): Logger {
  const clean = (fields: Record<string, unknown> | undefined) => (fields === undefined ? undefined : Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, redactValue(value)])));
  // A line the logger would drop is not redacted first.
  const at = (level: LineLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (writesAt(logger, level)) logger[level](redactCredentials(message), clean(fields));
  };
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    ...(logger.isLevelEnabled && { isLevelEnabled: (level: LineLevel) => writesAt(logger, level) }),
  };
}

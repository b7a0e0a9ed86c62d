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

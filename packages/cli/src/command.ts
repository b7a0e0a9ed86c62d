import type { Command } from "commander";
import { BackendUnavailableError, createConsoleLogger, createHopper, redactingLogger, redactUrl, type Hopper, type Logger, type LogLevel } from "@hopper/core";
import { isConnectionFailure } from "@hopper/core/backend";
import { resolveBackendUrl } from "./backend-url-option.js";
import { CliError, usageError } from "./cli-error.js";
import { ExitCode } from "./exit-codes.js";
import type { JobsModule } from "./jobs-module.js";

/** Where the CLI reads and writes; a test or an embedding may give its own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly environment: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Told the command's name as its action starts (the bin decides by it what a closed stdout stops). */
  readonly started?: (command: string) => void;
}

/** What every command's action receives. */
export interface CommandContext {
  readonly io: CliIo;
  /** --json: machine-readable output on stdout, logs as JSON lines on stderr. */
  readonly json: boolean;
  /** --url, else HOPPER_URL; a usage error when neither is set or the value is not a URL. */
  url(): string;
  /** Logs to stderr at --log-level (default info, or HOPPER_LOG_LEVEL). */
  readonly logger: Logger;
  /** Prints a result: `human` text normally, `data` as one line of JSON under --json. */
  print(human: string, data: unknown): void;
  /** A Hopper on url() with the jobs module's classes and options. */
  openHopper(module?: JobsModule): Hopper;
  /**
   * `work`, or a failure (exit 1) naming `what` after --timeout: one-shot
   * commands must not hang on an unreachable backend while its client retries.
   * `url` names the backend in that failure (default: url()).
   */
  withTimeout<T>(work: Promise<T>, what: string, url?: string): Promise<T>;
}

/**
 * One command of `hopper`: adds itself (flags, help with an example) to the
 * program and runs through `action`, which turns its result into the exit code.
 */
export interface CliCommand {
  register(program: Command, action: ActionFactory): void;
}

export type ActionFactory = <Positional extends unknown[]>(
  run: (context: CommandContext, options: Record<string, unknown>, ...positional: Positional) => Promise<ExitCode>,
) => (...args: unknown[]) => Promise<void>;

const logLevels: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

export function createCommandContext(io: CliIo, globals: { url?: string; json?: boolean; logLevel?: string; timeout?: number }): CommandContext {
  const json = globals.json === true;
  // --log-level is checked by its parser; the variable here (empty counts as unset), so a typo does not turn on every level.
  const fromEnvironment = io.environment.HOPPER_LOG_LEVEL || undefined;
  if (globals.logLevel === undefined && fromEnvironment !== undefined && !isLogLevel(fromEnvironment)) {
    throw usageError(`HOPPER_LOG_LEVEL must be debug, info, warn, error or silent, got ${JSON.stringify(fromEnvironment.slice(0, 40))}`);
  }
  const level = (globals.logLevel ?? fromEnvironment ?? "info") as LogLevel;
  const logger = redactingLogger(json ? jsonLogger(io, level) : createConsoleLogger(level));
  return {
    io,
    json,
    logger,
    url: () => resolveBackendUrl(globals.url, io.environment),
    print(human, data) {
      io.stdout(json ? `${JSON.stringify(data)}\n` : human.endsWith("\n") ? human : `${human}\n`);
    },
    withTimeout(work, what, url) {
      const timeoutMs = globals.timeout ?? 15_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CliError(`no answer from ${redactUrl(url ?? this.url())} within ${timeoutMs} ms while ${what}: is the backend up and the URL right? (--timeout sets the bound)`, ExitCode.failure)), timeoutMs);
      });
      // A backend that refused (or could not be opened) says so at once, in the command's words, not an enqueue's.
      // So does a store read through a driver that connects lazily (records: ECONNREFUSED on the first command).
      const failedToReach = work.catch((error: unknown) => {
        if (!isConnectionFailure(error)) throw error;
        const reason = BackendUnavailableError.isInstance(error) ? error.cause : error;
        const cause = reason instanceof Error ? `: ${reason.message}` : "";
        throw new CliError(`cannot reach ${redactUrl(url ?? this.url())} while ${what}${cause}: is the backend up and the URL right?`, ExitCode.failure);
      });
      return Promise.race([failedToReach, timedOut]).finally(() => clearTimeout(timer));
    },
    openHopper(module) {
      return createHopper({ ...module?.hopperOptions, logger: module?.hopperOptions.logger ?? logger, url: this.url(), jobs: module?.jobs ?? [] });
    },
  };
}

export function isLogLevel(value: string): value is LogLevel {
  return (logLevels as readonly string[]).includes(value);
}

function jsonLogger(io: CliIo, level: LogLevel): Logger {
  const threshold = logLevels.indexOf(level);
  const write = (at: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (logLevels.indexOf(at) < threshold) return;
    io.stderr(`${JSON.stringify({ time: new Date().toISOString(), level: at, message, ...fields }, errorReplacer)}\n`);
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}

import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ConfigurationError, HopperError, redactCredentials } from "@hopper/core";
import { CliError } from "./cli-error.js";
import { createCommandContext, isLogLevel, type ActionFactory, type CliIo } from "./command.js";
import { commands } from "./commands/index.js";
import { parseDurationMs } from "./option-parsers.js";
import { ExitCode } from "./exit-codes.js";

/** Runs `hopper` with `argv` (without node and the script); resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.ok;
  const program = new Command("hopper")
    .description("Run Hopper workers and schedulers, and look into queues and dead letters.")
    .addOption(new Option("--url <url>", "backend URL (redis://, postgres://, pglite://, sqs://, pubsub://, memory://); default: HOPPER_URL"))
    .option("--json", "machine-readable output on stdout (and JSON log lines on stderr)")
    .addOption(new Option("--timeout <duration>", "longest stats and dead-letters wait for the backend before failing").argParser(parseDurationMs).default(15_000, "15s"))
    .addOption(new Option("--log-level <level>", "debug, info, warn, error or silent; default: HOPPER_LOG_LEVEL, else info").argParser(parseLogLevel))
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (text, write) => write(`hopper: ${text.replace(/^error: /, "")}`) })
    .showHelpAfterError("(run hopper --help, or hopper <command> --help, for usage and examples)")
    .addHelpText("after", exitCodeHelp);

  const action: ActionFactory = (run) => async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const options = command.optsWithGlobals() as Record<string, unknown>;
    // commander passes positional arguments first, then the options object and the command.
    const positional = args.slice(0, -2);
    io.started?.(command.name());
    try {
      const context = createCommandContext(io, options as { url?: string; json?: boolean; logLevel?: string; timeout?: number });
      exitCode = await (run as (...parameters: unknown[]) => Promise<ExitCode>)(context, options, ...positional);
    } catch (error) {
      exitCode = reportError(error, io);
    }
  };
  for (const command of commands) command.register(program, action);
  // Each command's help inherits the global flags and the output settings.
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput()).showHelpAfterError(`(run hopper ${command.name()} --help for usage and an example)`);

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end the same way as a finished command.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    return reportError(error, io);
  }
  return exitCode;
}

function reportError(error: unknown, io: CliIo): ExitCode {
  if (error instanceof CliError) {
    io.stderr(`hopper: ${error.message}\n`);
    return error.exitCode;
  }
  if (ConfigurationError.isInstance(error)) {
    // The backend URL is the one setting the CLI takes from outside: say where it came from.
    const where = error.field === "url" ? " (check --url or HOPPER_URL)" : "";
    io.stderr(`hopper: ${redactCredentials(error.message)}${where}\n`);
    return ExitCode.usage;
  }
  const message = error instanceof Error ? `${HopperError.isInstance(error) ? "" : `${error.name}: `}${error.message}` : String(error);
  io.stderr(`hopper: ${redactCredentials(message)}\n`);
  return ExitCode.failure;
}

function parseLogLevel(value: string): string {
  if (!isLogLevel(value)) throw new InvalidArgumentError("use debug, info, warn, error or silent.");
  return value;
}

const exitCodeHelp = `
Exit codes:
  0  done (a worker or scheduler stopped by SIGTERM or SIGINT included)
  1  failed while running (backend error, unreachable backend)
  2  usage or configuration error (missing or bad --url, bad flag, jobs module not loadable)
  3  the backend cannot do this (e.g. stats on a backend without statistics, move of a job the target cannot hold)

Example:
  $ HOPPER_URL=redis://localhost:6379 hopper worker --jobs ./dist/jobs.js --queues mailers,default`;

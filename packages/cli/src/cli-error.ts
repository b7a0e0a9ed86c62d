import { ExitCode } from "./exit-codes.js";

/** An error the CLI reports as one line on stderr, with its own exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "CliError";
  }
}

export function usageError(message: string, cause?: unknown): CliError {
  return new CliError(message, ExitCode.usage, cause === undefined ? undefined : { cause });
}

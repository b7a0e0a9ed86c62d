export { runCli } from "./cli.js";
export { ExitCode } from "./exit-codes.js";
export type { CliCommand, CliIo, CommandContext } from "./command.js";

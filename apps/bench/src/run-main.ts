import { CommanderError } from "commander";

/** A bench command's entry: commander's own exits (help, a bad flag) keep their code; anything else is printed and exits 1. */
export function runMain(main: (argv: string[]) => Promise<void>): void {
  main(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    console.error(error);
    process.exitCode = 1;
  });
}

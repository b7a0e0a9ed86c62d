#!/usr/bin/env node
import { runCli } from "./cli.js";

const exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  environment: process.env,
  cwd: process.cwd(),
});
process.exitCode = exitCode;
// A backend client still reconnecting (after --timeout) would keep the process alive: give output a moment to flush, then leave.
setTimeout(() => process.exit(exitCode), 1000).unref();

#!/usr/bin/env node
import { runCli } from "./cli.js";

// A reader that went away (`hopper stats --watch | head -1`): a command that runs to print stops as SIGTERM stops it,
// rather than die on an unhandled EPIPE. A service (a worker, the scheduler, the dashboard) goes on without its output,
// as without its logs: a closed pipe must not stop its jobs. Logs with nowhere to go are dropped.
const services = new Set(["worker", "scheduler", "dashboard"]);
let command = "";
let readerGone = false;
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  if (!readerGone && !services.has(command)) process.kill(process.pid, "SIGTERM");
  readerGone = true;
});
process.stderr.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

const exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => void (readerGone || process.stdout.write(text)),
  stderr: (text) => void process.stderr.write(text),
  environment: process.env,
  cwd: process.cwd(),
  started: (name) => (command = name),
});
process.exitCode = exitCode;
// A backend client still reconnecting (after --timeout) would keep the process alive: give output a moment to flush, then leave.
setTimeout(() => process.exit(exitCode), 1000).unref();

/** The `hopper` command's exit codes (documented in the README). */
export const ExitCode = {
  /** The command did what was asked (a worker or scheduler stopped by SIGTERM/SIGINT included). */
  ok: 0,
  /** Something failed while running: the backend refused or was unreachable, a job module crashed. */
  failure: 1,
  /** The command line or the configuration is wrong: a missing or bad --url, an unknown flag, a jobs module that cannot be loaded. */
  usage: 2,
  /** The backend cannot do this (e.g. `stats` on a backend without queue statistics). */
  unsupported: 3,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

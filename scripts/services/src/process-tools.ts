import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ServiceProcess, SpawnServiceOptions } from "./service-types.js";

/** Full path of an executable found on PATH (or in `extraDirs`), or undefined. */
export function findExecutable(name: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this dir
    }
  }
  return undefined;
}

/**
 * Starts `command` detached in its own process group (pgid = pid), so the whole
 * tree (gcloud's java child, for one) can be signalled at once and outlives the
 * CLI that started it. Output goes to `logFile`.
 */
export function spawnDetached(command: string, args: string[], logFile: string, options: SpawnServiceOptions = {}): ServiceProcess {
  const log = openSync(logFile, "a");
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      uid: options.uid,
      gid: options.gid,
      detached: true,
      stdio: ["ignore", log, log],
    });
    if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
    child.on("error", () => {});
    child.unref();
    return { pid: child.pid, command: options.match ?? command.split("/").pop() ?? command };
  } finally {
    closeSync(log);
  }
}

/** True when `pid` is alive, not a zombie, and its command line still names the recorded command. */
export function isProcessAlive(process_: ServiceProcess): boolean {
  try {
    const stat = readFileSync(`/proc/${process_.pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "Z" || state === "X") return false;
    const cmdline = readFileSync(`/proc/${process_.pid}/cmdline`, "utf8");
    return cmdline.includes(process_.command);
  } catch {
    return false;
  }
}

/** True when a plain pid (an owner, not a service) is alive. */
export function isPidAlive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

function groupHasMembers(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops recorded processes: `signal` to each one's process group, then SIGKILL
 * after `graceMs`. Only processes whose command line still matches are touched.
 */
export async function stopProcesses(processes: ServiceProcess[], signal: NodeJS.Signals, graceMs = 5000): Promise<void> {
  const ours = processes.filter((process_) => isProcessAlive(process_));
  for (const process_ of ours) signalGroup(process_.pid, signal);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && ours.some((process_) => groupHasMembers(process_.pid) && isProcessAlive(process_))) {
    await sleep(50);
  }
  // The leader may be gone while children (java under gcloud) linger: kill the group either way.
  for (const process_ of ours) signalGroup(process_.pid, "SIGKILL");
}

/** Last lines of a log file, for error messages. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

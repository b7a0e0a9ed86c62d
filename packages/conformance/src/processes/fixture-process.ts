import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const repositoryRoot = fileURLToPath(new URL("../../../../", import.meta.url));

/** A fixture script run as a worker process of its own (TypeScript through tsx, workspace sources), its output collected. */
export interface FixtureProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** The signal that ended it, if one did. */
  readonly exited: Promise<NodeJS.Signals | null>;
  /** SIGKILLs it unless it already ended: for a `finally`. */
  readonly killIfRunning: () => void;
}

export function startFixtureProcess(fixture: URL, env: Readonly<Record<string, string>>): FixtureProcess {
  const child = spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", fileURLToPath(fixture)], {
    cwd: repositoryRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    killIfRunning: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

// Test-only: runs the `hopper` bin as a user would, in a child process, from TypeScript sources.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("./bin.ts", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const fixtureJobs = fileURLToPath(new URL("./test-fixtures/cli-jobs.ts", import.meta.url));
/** The same jobs, with `hopperOptions = { records: {} }`. */
export const fixtureJobsWithRecords = fileURLToPath(new URL("./test-fixtures/cli-jobs-records.ts", import.meta.url));

export interface CliRun {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything written so far. */
  readonly output: { stdout: string; stderr: string };
  /** Resolves once stdout contains `text`; rejects if the process exits first. */
  waitForStdout(text: string | ((stdout: string) => boolean)): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts `hopper ...args`; HOPPER_URL comes only from `environment` (never from the test's own). */
export function startCli(args: readonly string[], environment: Record<string, string | undefined> = {}): CliRun {
  const { HOPPER_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", bin, ...args], {
    cwd: repositoryRoot,
    // An undefined value would reach the child as the string "undefined".
    env: Object.fromEntries(Object.entries({ ...inherited, HOPPER_LOG_LEVEL: "info", ...environment }).filter(([, value]) => value !== undefined)),
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, ...output })),
  );
  return {
    child,
    output,
    exited,
    waitForStdout: (text) =>
      new Promise<void>((resolve, reject) => {
        const matches = typeof text === "string" ? (stdout: string) => stdout.includes(text) : text;
        const check = () => {
          if (!matches(output.stdout)) return;
          child.stdout.off("data", check);
          resolve();
        };
        child.stdout.on("data", check);
        check();
        void exited.then(({ code, stderr }) => reject(new Error(`hopper exited (${code}) before its output matched; stderr:\n${stderr}\nstdout:\n${output.stdout}`)));
      }),
  };
}

/** Runs `hopper ...args` to the end. */
export function runCliProcess(args: readonly string[], environment: Record<string, string | undefined> = {}) {
  return startCli(args, environment).exited;
}

import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { SubjectSpec } from "../report/result-types.js";

// Node's own type stripping, not tsx: tsx's `__name` wrappers would add ~2 KB to every running job (strip-types.mjs).
const stripTypes = fileURLToPath(new URL("./strip-types.mjs", import.meta.url));

/**
 * A fresh Node process for `main` (its TypeScript loaded as built code runs,
 * with workspace packages resolved to source and GC exposed), with the
 * subject's variables; stderr is kept (its last 4,000 characters) for error messages.
 */
export function forkBenchChild(main: string, spec: SubjectSpec): { child: ChildProcess; stderrTail: () => string } {
  const child = fork(main, [], {
    execArgv: ["--conditions=@hopper/source", "--import", stripTypes, "--expose-gc", "--no-warnings"],
    env: { ...process.env, ...spec.env, HOPPER_LOG_LEVEL: "silent" },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    serialization: "advanced",
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return { child, stderrTail: () => stderr.trim().split("\n").slice(-5).join(" | ") };
}

import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { SubjectSpec } from "../report/result-types.js";

// Node's own type stripping, not tsx: tsx's `__name` wrappers would add ~2 KB to every running job (strip-types.mjs).
const stripTypes = fileURLToPath(new URL("./strip-types.mjs", import.meta.url));

/**
 * Which form of the workspace's @hopper packages a child loads. `built`: their bundled dist/, as an
 * application installs them and as every peer is loaded; `source`: their TypeScript, stripped on load (tests,
 * which never build them). Loaded from source an idle Hopper worker held about 7 MiB more
 * (benchmarks/results/idle-rss-2026-12-07/built-vs-source.txt).
 */
export type HopperPackages = "built" | "source";

/**
 * `built` where the packages were just built: the `bench` and `rate-limit` scripts (package.json) build them, then
 * set it. Children inherit it, so a worker process a subject's child forks loads the same form.
 */
const packagesVariable = "HOPPER_BENCH_PACKAGES";

/**
 * A fresh Node process for `main` (the bench's own TypeScript stripped by Node, GC exposed), with the
 * subject's variables; stderr is kept (its last 4,000 characters) for error messages.
 */
export function forkBenchChild(main: string, spec: SubjectSpec, packages: HopperPackages = process.env[packagesVariable] === "built" ? "built" : "source"): { child: ChildProcess; stderrTail: () => string } {
  const conditions = packages === "source" ? ["--conditions=@hopper/source"] : [];
  const child = fork(main, [], {
    execArgv: [...conditions, "--import", stripTypes, "--expose-gc", "--no-warnings"],
    env: { ...process.env, ...spec.env, HOPPER_LOG_LEVEL: "silent", [packagesVariable]: packages },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    serialization: "advanced",
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return { child, stderrTail: () => stderr.trim().split("\n").slice(-5).join(" | ") };
}

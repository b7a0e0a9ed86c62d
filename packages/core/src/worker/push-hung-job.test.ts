import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { HUNG_JOB_EXIT_CODE } from "./hung-job-exit.js";

// Found by the push-path review of 2026-12-07 (the next stop): a pushed job ignoring its timeout kept its slot among
// `maxConcurrent` for good, and once they were all held every delivery got 503 until the platform dead-lettered them.
// `hungJobExitMs` (the handlers' `exitOnHungJob`) ends the process instead, as a worker's does, so it is replaced.

const fixture = fileURLToPath(new URL("../test-fixtures/push-hung-job.ts", import.meta.url));

it("a pushed job that ignores its timeout past hungJobExitMs ends the process with code 70", { timeout: 30_000 }, async () => {
  const child = spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", fixture], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  expect(output).toContain("running");
  expect(output).toMatch(/exitOnHungJob/);
  expect(code).toBe(HUNG_JOB_EXIT_CODE);
});

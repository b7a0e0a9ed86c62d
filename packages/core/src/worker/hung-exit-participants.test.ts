import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { HUNG_JOB_EXIT_CODE } from "./hung-job-exit.js";

// An exit for a hung job ends the whole process, every Hopper in it. It ran only the hung job's own Hopper's
// middleware `beforeExit`: another Hopper's worker or pushed run still going had its spans left open and unexported;
// so did a worker whose stop() had returned with a run still going (it ignored its abort).

const fixture = fileURLToPath(new URL("../test-fixtures/hung-exit-participants.ts", import.meta.url));

it.each(["push", "worker"])("a %s run's hung exit runs beforeExit of every Hopper with a worker or pushed run in the process, each layer once", { timeout: 30_000 }, async (mode) => {
  const child = spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", fixture, mode], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  expect(output).toMatch(/Busy running[\s\S]*Stuck running/);
  expect(output).toContain("Pushed running");
  expect(code).toBe(HUNG_JOB_EXIT_CODE);
  const wroteOut = output.split("\n").filter((line) => line.endsWith(" wrote out")).sort();
  expect(output).toContain("Deaf running");
  // D's worker returned from run() with its run still going: that run ends with the process too.
  expect(wroteOut).toEqual(["A wrote out", "B wrote out", "C wrote out", "D wrote out", "shared wrote out"]);
});

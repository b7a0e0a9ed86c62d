import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

it("the test helpers work under node:test, with no other test framework loaded", { timeout: 60_000 }, async () => {
  const suite = fileURLToPath(new URL("../test-fixtures/node-test-suite.ts", import.meta.url));
  const child = spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", "--test", "--test-reporter=tap", suite], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect(output).toContain("# pass 1");
  expect(output).toContain("# fail 0");
  expect(code).toBe(0);
});

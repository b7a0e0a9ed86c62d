import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { runCli } from "@hopper/cli";

// The check a CI step runs before each deploy (see README): every stored payload of
// SendWelcomeEmail (payload-samples/, one file per version) still runs after this change.
it("hopper check: every stored payload sample upgrades to valid args of the current version", async () => {
  const output = { stdout: "", stderr: "" };
  const code = await runCli(["check", "--jobs", "src/jobs.ts", "--samples", "payload-samples", "--json"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    environment: {},
    stdout: (text) => (output.stdout += text),
    stderr: (text) => (output.stderr += text),
  });
  expect(output.stderr).toBe("");
  expect(JSON.parse(output.stdout)).toMatchObject({ findings: [], jobs: [{ job: "SendWelcomeEmail", version: 2, samples: [1, 2], status: "ok" }] });
  expect(code).toBe(0);
});

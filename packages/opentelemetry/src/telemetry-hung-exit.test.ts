import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HUNG_JOB_EXIT_CODE } from "@hopper/core";
import { expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./test-hung-exit-worker.ts", import.meta.url));

// Found by the OpenTelemetry review of 2026-12-07: with exitOnHungJob shorter than the second after which the middleware
// ends a hung run's span, the process exited with that span open, and spans batched for export were never sent.
it("a worker exiting for a hung job first ends the spans of the runs still going and writes out what its exporter batches", { timeout: 30_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), "hopper-hung-spans-"));
  const file = join(directory, "spans.jsonl");
  try {
    const child = spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", fixture], { env: { ...process.env, HUNG_SPANS_FILE: file }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(output).toContain("started");
    expect(output).not.toContain("worker returned");
    expect(code).toBe(HUNG_JOB_EXIT_CODE);
    const spans = readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { name: string; attributes: Record<string, unknown>; status: { code: number; message?: string } });
    const hung = spans.filter((span) => span.attributes["hopper.job.hung"] === true);
    expect(hung).toHaveLength(1);
    expect(hung[0]).toMatchObject({ name: "process hung-telemetry", attributes: { "hopper.job.name": "Stuck", "error.type": "JobTimeoutError" }, status: { code: 2 } });
    // The run that ignored the exit's ShutdownError was still going: its span ended too, saying so (left open before).
    expect(output).toContain("stubborn started");
    const abandoned = spans.filter((span) => span.attributes["hopper.job.abandoned"] === true);
    expect(abandoned).toHaveLength(1);
    expect(abandoned[0]).toMatchObject({ name: "process hung-telemetry", attributes: { "hopper.job.name": "Stubborn", "error.type": "ShutdownError" }, status: { code: 2 } });
    // The enqueues' spans, batched with them, went out too.
    expect(spans.filter((span) => span.name === "send hung-telemetry")).toHaveLength(2);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

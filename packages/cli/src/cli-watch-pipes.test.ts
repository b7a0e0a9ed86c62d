// `hopper stats --watch` as an operator runs it: on memory:// (nothing else keeps the process alive), and piped
// into a reader that goes away (`| head -1`). Each case spawns the bin.
import { describe, expect, it } from "vitest";
import { startCli } from "./test-cli.js";

const watch = ["stats", "--url", "memory://", "--queues", "default", "--watch", "--json", "--interval", "100ms"];

describe("hopper stats --watch", () => {
  it("keeps sampling on memory:// until SIGTERM, then exits 0", { timeout: 60_000 }, async () => {
    const run = startCli(watch);
    await run.waitForStdout((stdout) => stdout.split("\n").filter((line) => line.startsWith("{")).length >= 3);
    run.child.kill("SIGTERM");
    const exited = await run.exited;
    expect({ code: exited.code, stderr: exited.stderr }).toMatchObject({ code: 0 });
  });

  it("stops quietly, as on SIGTERM, once its reader goes away (| head -1), rather than crash on EPIPE", { timeout: 60_000 }, async () => {
    const run = startCli(watch);
    await run.waitForStdout((stdout) => stdout.includes("\n"));
    run.child.stdout.destroy();
    const exited = await run.exited;
    expect(exited.stderr).not.toMatch(/EPIPE|Unhandled 'error'/);
    expect(exited.code).toBe(0);
  });
});

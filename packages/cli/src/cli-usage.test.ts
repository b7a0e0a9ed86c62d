import { createServer, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { fixtureJobs, runCliProcess } from "./test-cli.js";

// Each case spawns the CLI (a couple of seconds each on a loaded machine), hence the long timeouts.
describe("hopper: usage errors and help (no backend needed)", () => {
  it("refuses a missing backend URL with exit code 2, naming --url and HOPPER_URL, for every command", { timeout: 120_000 }, async () => {
    for (const args of [["worker", "--jobs", fixtureJobs], ["scheduler", "--jobs", fixtureJobs], ["stats", "--queues", "a"], ["dead-letters", "list", "a"]]) {
      const result = await runCliProcess(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain("no backend URL");
      expect(result.stderr).toContain("--url");
      expect(result.stderr).toContain("HOPPER_URL");
      expect(result.stdout).toBe("");
    }
  });

  it("refuses a bad URL from --url or HOPPER_URL with exit code 2 and never shows its password", { timeout: 120_000 }, async () => {
    const notUrl = await runCliProcess(["stats", "--queues", "a", "--url", "localhost:6379"]);
    expect(notUrl.code).toBe(2);
    expect(notUrl.stderr).toMatch(/--url localhost:6379 (is not a URL|has no scheme)/);

    const badScheme = await runCliProcess(["stats", "--queues", "a"], { HOPPER_URL: "mysql://admin:hunter2@db/app" });
    expect(badScheme.code).toBe(2);
    expect(badScheme.stderr).toContain("no backend serves mysql://");
    expect(badScheme.stderr).toContain("--url or HOPPER_URL");
    expect(badScheme.stderr).not.toContain("hunter2");

    const empty = await runCliProcess(["stats", "--queues", "a", "--url", ""]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("--url was empty");

    // A log level mistyped in the environment is a usage error, not every level switched on.
    const level = await runCliProcess(["stats", "--queues", "a"], { HOPPER_URL: "memory://cli-level", HOPPER_LOG_LEVEL: "verbose" });
    expect(level.code).toBe(2);
    expect(level.stderr).toContain('HOPPER_LOG_LEVEL must be debug, info, warn, error or silent, got "verbose"');
  });

  it("gives up on a backend that refuses at once, and on one that never answers after --timeout, with exit code 1, naming it without its password and never as an enqueue", { timeout: 120_000 }, async () => {
    // Port 1 refuses connections: the answer comes at once, not after the bound.
    const refused = await runCliProcess(["stats", "--queues", "a", "--url", "redis://admin:hunter2@127.0.0.1:1", "--timeout", "30s"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("cannot reach redis://***@127.0.0.1:1 while opening the backend: connect ECONNREFUSED");
    expect(refused.stderr).not.toContain("enqueued");
    expect(refused.stderr).not.toContain("hunter2");
    // The record stores connect on their first read: their refusal names the URL in the same words.
    for (const url of ["redis://admin:hunter2@127.0.0.1:1", "postgres://admin:hunter2@127.0.0.1:1/app"]) {
      const listing = await runCliProcess(["jobs", "list", "--state", "dead", "--url", url]);
      expect(listing.code).toBe(1);
      expect(listing.stderr).toMatch(/^hopper: cannot reach (redis|postgres):\/\/\*\*\*@127\.0\.0\.1:1(\/app)? while listing the job records: .*ECONNREFUSED.*: is the backend up and the URL right\?\n$/);
      expect(listing.stderr).not.toContain("hunter2");
    }

    // A server that accepts the connection and never answers: only the bound ends the wait.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const unanswered = await runCliProcess(["stats", "--queues", "a", "--url", `redis://admin:hunter2@127.0.0.1:${port}`, "--timeout", "1s"]);
      expect(unanswered.code).toBe(1);
      expect(unanswered.stderr).toContain(`no answer from redis://***@127.0.0.1:${port} within 1000 ms`);
      expect(unanswered.stderr).not.toContain("hunter2");
    } finally {
      silent.close();
    }
  });

  it("exits 2 for an unknown command, a bad flag value, a missing --jobs module or one without job classes", { timeout: 120_000 }, async () => {
    const url = ["--url", "memory://cli-usage"];
    const cases: [string[], string][] = [
      [["bogus"], "unknown command 'bogus'"],
      [["worker", ...url, "--jobs", fixtureJobs, "--concurrency", "0"], "--concurrency"],
      [["worker", ...url, "--jobs", fixtureJobs, "--exit-on-hung-job", "soon"], "worker.exitOnHungJob"],
      [["worker", ...url], "--jobs"],
      [["worker", ...url, "--jobs", "./no/such/jobs.js"], "no such file"],
      [["worker", ...url, "--jobs", fixtureJobs.replace("cli-jobs.ts", "no-jobs.ts")], "exports no job classes"],
      [["stats", ...url], "name the queues"],
      [["dead-letters", "discard", "mailers", ...url], "--yes"],
    ];
    for (const [args, message] of cases) {
      const result = await runCliProcess(args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toContain(message);
    }
  });

  // The README says every command that reads queues warns on memory:// (its queues live in one process); the
  // review of 2026-12-07 (the next stop) found dead-letters and jobs list silent.
  it("warns on memory:// that stats, dead-letters and jobs list see only their own process's, empty queues", { timeout: 120_000 }, async () => {
    for (const args of [["stats", "--queues", "a"], ["dead-letters", "list", "a"], ["jobs", "list", "--state", "dead"]]) {
      const result = await runCliProcess([...args, "--url", "memory://cli-warn"]);
      expect({ args, code: result.code }).toEqual({ args, code: 0 });
      expect({ args, warned: /memory:\/\/ .*inside one process/.test(result.stderr) }).toEqual({ args, warned: true });
    }
  });

  it("prints help with an example for every command, and exits 0", { timeout: 120_000 }, async () => {
    for (const command of [[], ["worker"], ["scheduler"], ["stats"], ["check"], ["dead-letters"], ["dead-letters", "list"], ["dead-letters", "retry"], ["dead-letters", "discard"]]) {
      const result = await runCliProcess([...command, "--help"]);
      expect(result.code, command.join(" ")).toBe(0);
      expect(result.stdout).toMatch(/Examples?:\n  \$ (HOPPER_URL=\S+ )?hopper /);
    }
  });
});

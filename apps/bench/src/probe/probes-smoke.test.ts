// The probes that committed results cite, run with tiny inputs: each must still start, run its scenario against a
// real server and print its figures. A probe is a script, typechecked but otherwise never run until someone needs it;
// one broke unseen when the enqueue script it drives changed. The figures themselves are not checked: timing belongs
// to the runs the results files record, not to tests.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { findFreePort, requireService } from "@hopper/services";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const benchRoot = fileURLToPath(new URL("../../", import.meta.url));
const enqueueScript = fileURLToPath(new URL("../../../../packages/redis/src/scripts/enqueue.lua", import.meta.url));
const run = promisify(execFile);
const number = String.raw`\d+(?:\.\d+)?`;

/** Runs `src/probe/<probe>.ts` as the results files do (Node's type stripping, sources); resolves with its stdout. */
async function probe(file: string, args: readonly string[], environment: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, ["--conditions=@hopper/source", "--import", "./src/child/strip-types.mjs", "--no-warnings", `src/probe/${file}`, ...args], {
    cwd: benchRoot,
    env: { ...process.env, ...environment },
    timeout: 90_000,
  });
  return stdout;
}

const postgresUrl = requireService("postgres")?.HOPPER_TEST_POSTGRES_URL;
const redisAvailable = requireService("redis") !== undefined;

// A server of its own: the script-cost probes read the whole server's counts and FLUSHALL it.
describe.skipIf(!redisAvailable)("probes on Redis", () => {
  let server: ChildProcess | undefined;
  let url = "";
  beforeAll(async () => {
    const port = await findFreePort();
    url = `redis://127.0.0.1:${port}`;
    server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    // ioredis retries the connection and holds the PING until the server listens (the hook's timeout bounds it).
    const client = new Redis(port, "127.0.0.1", { retryStrategy: () => 50 });
    client.on("error", () => {});
    try {
      await client.ping();
    } finally {
      client.disconnect();
    }
  });
  afterAll(() => {
    server?.kill("SIGKILL");
  });

  it("cost-per-job counts a single enqueue and a drain: CPU, calls, commands and the server's time per job", { timeout: 120_000 }, async () => {
    const single = await probe("cost-per-job.ts", ["hopper", url, "300", "5", "single"], { HOPPER_TEST_REDIS_URL: url });
    expect(single).toMatch(new RegExp(`^enqueue single \\(5 callers\\): node CPU ${number} µs/job .*client calls ${number}/job .*evalsha ${number}.*server CPU ${number} µs/job`, "m"));
    const drain = await probe("cost-per-job.ts", ["hopper", url, "300", "5", "drain"], { HOPPER_TEST_REDIS_URL: url, PROBE_CONCURRENCY: "10" });
    expect(drain).toMatch(new RegExp(`^drain c=10: node CPU ${number} µs/job`, "m"));
  });

  it("redis-enqueue-script-cost and redis-enqueue-records-script-cost drive this checkout's enqueue script", { timeout: 120_000 }, async () => {
    const script = await probe("redis-enqueue-script-cost.ts", [url, "10", enqueueScript], { HOPPER_TEST_REDIS_URL: url });
    expect(script).toMatch(new RegExp(`enqueue\\.lua \\(10 jobs per call\\): script ${number} µs/call, server CPU ${number} µs/call`));
    const records = await probe("redis-enqueue-records-script-cost.ts", [url, "10"], { HOPPER_TEST_REDIS_URL: url });
    expect(records).toMatch(new RegExp(`^records off: script ${number} µs/job`, "m"));
    expect(records).toMatch(new RegExp(`^records on: script ${number} µs/job`, "m"));
  });

  it("single-enqueue-rate times rounds, and profile-window writes a CPU profile of the window", { timeout: 120_000 }, async () => {
    const rate = await probe("single-enqueue-rate.ts", ["hopper", url, "300", "5", "2"], { HOPPER_TEST_REDIS_URL: url });
    expect(rate.match(new RegExp(`^hopper single, 5 callers: ${number} jobs/s, node CPU ${number} µs/job, busy ${number}%$`, "gm"))).toHaveLength(2);
    const profile = join(tmpdir(), `probe-smoke-${process.pid}.cpuprofile`);
    try {
      const window = await probe("profile-window.ts", ["hopper", url, "300", "single", profile], { HOPPER_TEST_REDIS_URL: url });
      expect(window).toMatch(/^hopper single: 300 jobs in \d+ ms/m);
      expect(existsSync(profile)).toBe(true);
      expect((JSON.parse(readFileSync(profile, "utf8")) as { nodes: unknown[] }).nodes.length).toBeGreaterThan(0);
    } finally {
      rmSync(profile, { force: true });
    }
  });
});

describe.skipIf(!postgresUrl)("probes on PostgreSQL", () => {
  it("cost-per-job counts a bulk enqueue and a drain with the server's CPU and WAL per job", { timeout: 120_000 }, async () => {
    const drain = await probe("cost-per-job.ts", ["hopper", postgresUrl!, "300", "5", "drain"], { PROBE_CONCURRENCY: "10" });
    expect(drain).toMatch(new RegExp(`^enqueue bulk \\(calls of 1000\\) \\[c=10\\]: node CPU ${number} µs/job .*postgres server CPU ${number} µs/job; postgres WAL ${number} B/job`, "m"));
    expect(drain).toMatch(new RegExp(`^drain c=10: node CPU ${number} µs/job .*postgres WAL ${number} B/job`, "m"));
  });
});

import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { requireService } from "@hopper/services";
import { afterEach, describe, expect, it } from "vitest";
import { fixtureJobs, runCliProcess, startCli, type CliRun } from "./test-cli.js";

const redisUrl = requireService("redis")?.HOPPER_TEST_REDIS_URL;
const token = randomBytes(24).toString("hex");

describe.skipIf(!redisUrl)("hopper dashboard on redis", () => {
  const running: CliRun[] = [];
  afterEach(() => {
    for (const run of running.splice(0)) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
  });
  const start = async (args: string[], environment: Record<string, string | undefined>) => {
    const run = startCli(["dashboard", "--url", `${redisUrl}?keyPrefix=cli-dash-${randomBytes(4).toString("hex")}`, "--jobs", fixtureJobs, "--port", "0", ...args], environment);
    running.push(run);
    await run.waitForStdout("dashboard on http://");
    return { run, base: /dashboard on (http:\/\/\S+?)\/ for/.exec(run.output.stdout)![1]! };
  };

  it("refuses to start without a token or --allow-unauthenticated (usage error)", async () => {
    const refused = await runCliProcess(["dashboard", "--url", redisUrl!, "--jobs", fixtureJobs, "--port", "0"], { HOPPER_DASHBOARD_TOKEN: undefined });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("HOPPER_DASHBOARD_TOKEN");
  });

  it("serves the queues to the token holder only: 401 with a sign-in challenge without it, 403 with a wrong one", { timeout: 60_000 }, async () => {
    const { run, base } = await start(["--base-path", "/ops"], { HOPPER_DASHBOARD_TOKEN: token });
    const anonymous = await fetch(`${base}/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic /);
    expect((await fetch(`${base}/queues`, { headers: { authorization: "Bearer wrong-token" } })).status).toBe(403);
    const basic = await fetch(`${base}/queues`, { headers: { authorization: `Basic ${Buffer.from(`ops:${token}`).toString("base64")}` } });
    expect(basic.status).toBe(200);
    const page = await basic.text();
    expect(page).toContain("cli-visits");
    expect(page).toContain('href="/ops/assets/dashboard.css"');
    run.child.kill("SIGTERM");
    expect((await run.exited).code).toBe(0);
  });

  it("with --allow-unauthenticated serves anyone and says so loudly", { timeout: 60_000 }, async () => {
    const { run, base } = await start(["--allow-unauthenticated", "--read-only"], { HOPPER_DASHBOARD_TOKEN: undefined });
    expect(run.output.stderr).toContain("OPEN TO ANYONE");
    const page = await fetch(`${base}/queues`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("read-only");
    run.child.kill("SIGTERM");
    expect((await run.exited).code).toBe(0);
  });
});

describe("hopper dashboard cannot listen", () => {
  const dashboard = (...args: string[]) => runCliProcess(["dashboard", "--url", "memory://cli-dashboard-listen", "--jobs", fixtureJobs, ...args], { HOPPER_DASHBOARD_TOKEN: token });

  it("names the flag to change: a --host that is no address or not this machine's (usage, 2), a --port in use (1)", { timeout: 60_000 }, async () => {
    const unresolvable = await dashboard("--host", "999.1.1.1", "--port", "0");
    expect(unresolvable.code).toBe(2);
    expect(unresolvable.stderr).toMatch(/^hopper: --host 999\.1\.1\.1 is neither an address nor a name this machine resolves \(E[A-Z_]+\): give one of this machine's addresses/);

    // 192.0.2.1 is reserved for documentation (RFC 5737): never an address of this machine.
    const elsewhere = await dashboard("--host", "192.0.2.1", "--port", "0");
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain("hopper: --host 192.0.2.1 is not an address of this machine");

    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      const inUse = await dashboard("--host", "127.0.0.1", "--port", String(port));
      expect(inUse.code).toBe(1);
      expect(inUse.stderr).toContain(`hopper: --port ${port} on 127.0.0.1 is in use by another process: choose another port (0: any free one)`);
    } finally {
      taken.close();
    }
  });
});

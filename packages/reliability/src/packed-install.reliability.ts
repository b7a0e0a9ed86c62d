import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { requireService } from "@hopper/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// What a user gets from the registry: the packages built, packed with `pnpm pack`
// (workspace: versions rewritten), installed with plain npm into a project outside
// the monorepo, run under plain `node` with no "@hopper/source" condition.

const root = fileURLToPath(new URL("../../..", import.meta.url));
const packed = ["core", "redis", "postgres", "dashboard", "cli"] as const;
const minute = 60_000;

/**
 * The environment without what pnpm and vitest set for themselves (npm_config_*, --conditions).
 * The machine's own npm settings stay: NPM_CONFIG_GLOBALCONFIG (set by scripts/bootstrap.sh)
 * carries the CA of a proxy between this machine and the registry.
 */
function plainEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const environment = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/.test(key) && !/^pnpm_/i.test(key) && !/^(NODE_OPTIONS|NODE_PATH|VITEST.*|INIT_CWD)$/.test(key)));
  return { ...environment, ...extra };
}

function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: options.cwd, env: options.env ?? plainEnvironment(), timeout: options.timeout ?? 2 * minute, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")} failed (${error.code ?? error.signal}):\n${stdout}\n${stderr}`, { cause: error }));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

// The job appends a line to the marker file, then asks its own process to shut down
// as an operator would (SIGTERM): the worker finishes and acknowledges it, then exits.
const jobsModule = `import { appendFileSync } from "node:fs";
import { Job } from "@hopper/core";

export class PackedProbe extends Job {
  static queue = process.env.PACKED_QUEUE;
  async perform({ text }) {
    appendFileSync(process.env.PACKED_MARKER, text + "\\n");
    process.kill(process.pid, "SIGTERM");
  }
}
`;

// \`node app.mjs <url>\` enqueues; with --work it also runs a worker in the same process (memory://).
const appScript = `import { createHopper } from "@hopper/core";
import { PackedProbe } from "./jobs.mjs";

const [url, mode] = process.argv.slice(2);
const hopper = createHopper({ url, jobs: [PackedProbe] });
await PackedProbe.performLater({ text: "performed " + url.split(":")[0] });
if (mode === "--work") await hopper.worker({ queues: [PackedProbe.queue] }).run();
await hopper.close();
`;

let project: string;
/**
 * The same app installed by pnpm, whose layout lets a package see only what it declares
 * (plus pnpm's private hoisting): @hopper/core declares no adapter, yet must load the app's.
 */
let pnpmProject: string;

beforeAll(async () => {
  project = await mkdtemp(path.join(tmpdir(), "hopper-packed-"));
  const filters = packed.flatMap((name) => ["--filter", `@hopper/${name}`]);
  await run("pnpm", ["-s", "turbo", "run", "build", ...filters, "--output-logs=errors-only"], { cwd: root, env: process.env, timeout: 3 * minute });
  for (const name of packed) await run("pnpm", ["pack", "--pack-destination", project], { cwd: path.join(root, "packages", name), env: process.env });
  const tarballs = (await readdir(project)).filter((file) => file.endsWith(".tgz"));
  expect(tarballs).toHaveLength(packed.length);
  await writeFile(path.join(project, "package.json"), JSON.stringify({ name: "packed-app", private: true, type: "module" }, null, 2));
  await writeFile(path.join(project, "jobs.mjs"), jobsModule);
  await writeFile(path.join(project, "app.mjs"), appScript);
  // Third-party dependencies come from the npm registry; @hopper/* only from the tarballs.
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs.map((file) => `./${file}`)], { cwd: project, timeout: 3 * minute });

  pnpmProject = path.join(project, "pnpm-app");
  await mkdir(pnpmProject);
  const tarballOf = (name: string) => `file:../${tarballs.find((file) => file.startsWith(`hopper-${name}-`))}`;
  const dependencies = Object.fromEntries(packed.map((name) => [`@hopper/${name}`, tarballOf(name)]));
  // The packages' own "@hopper/core": "0.1.0" (and the CLI's "@hopper/dashboard") must be these tarballs too, not registry lookups.
  const manifest = { name: "packed-pnpm-app", private: true, type: "module", dependencies, pnpm: { overrides: dependencies } };
  await writeFile(path.join(pnpmProject, "package.json"), JSON.stringify(manifest, null, 2));
  await writeFile(path.join(pnpmProject, "jobs.mjs"), jobsModule);
  await writeFile(path.join(pnpmProject, "app.mjs"), appScript);
  await run("pnpm", ["install", "--reporter=silent"], { cwd: pnpmProject, timeout: 3 * minute });
}, 6 * minute);

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

async function performedLines(marker: string): Promise<string[]> {
  return (await readFile(marker, "utf8").catch(() => "")).split("\n").filter(Boolean);
}

function jobEnvironment(): { queue: string; marker: string; env: NodeJS.ProcessEnv } {
  const queue = `packed-${randomBytes(4).toString("hex")}`;
  const marker = path.join(project, `${queue}.log`);
  return { queue, marker, env: plainEnvironment({ PACKED_QUEUE: queue, PACKED_MARKER: marker, HOPPER_LOG_LEVEL: "warn" }) };
}

describe("the packed packages, installed with npm outside the monorepo, under plain node", () => {
  it("installs @hopper/* from the tarballs, resolving to their dist/", async () => {
    const resolved = await run("node", ["--input-type=module", "-e", `for (const name of ["@hopper/core", "@hopper/core/testing", "@hopper/redis", "@hopper/postgres"]) console.log(import.meta.resolve(name))`], { cwd: project });
    const lines = resolved.trim().split("\n");
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(new RegExp(`^file://${project}/node_modules/@hopper/[a-z]+/dist/.+\\.js$`));
  });

  it("a bundled @hopper/core still knows its own version: the worker registry lists the package's version, not \"unknown\"", async () => {
    const script = `import { createHopper } from "@hopper/core";
const hopper = createHopper({ url: "memory://", jobs: [] });
const worker = hopper.worker({ queues: ["version-probe"], heartbeat: "50ms", handleSignals: false });
const running = worker.run();
let listed = [];
for (let tries = 0; listed.length === 0 && tries < 100; tries += 1) {
  listed = await hopper.workers.list();
  if (listed.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
}
console.log(listed[0]?.hopperVersion);
await worker.stop();
await running;
await hopper.close();
`;
    const { version } = JSON.parse(await readFile(path.join(root, "packages/core/package.json"), "utf8")) as { version: string };
    expect((await run("node", ["--input-type=module", "-e", script], { cwd: project })).trim()).toBe(version);
  });

  it("ships every export's types, and no test helpers (they import the unpublished @hopper/services)", async () => {
    for (const name of packed) {
      const directory = path.join(project, "node_modules/@hopper", name);
      const manifest = JSON.parse(await readFile(path.join(directory, "package.json"), "utf8")) as { exports: Record<string, string | { types: string }> };
      for (const entry of Object.values(manifest.exports)) {
        if (typeof entry === "object") await expect(readFile(path.join(directory, entry.types), "utf8")).resolves.toContain("export");
      }
      const files = (await readdir(directory, { recursive: true })).map(String).filter((file) => !file.startsWith("node_modules"));
      expect(files.filter((file) => /(^|\/)test-|\.test\.|test-fixtures/.test(file))).toEqual([]);
      // One @hopper/core for everyone: an adapter with a copy of its own would register jobs apart.
      expect(existsSync(path.join(directory, "node_modules/@hopper/core"))).toBe(false);
    }
  });

  it("memory://: enqueues and performs in one process", async () => {
    const { marker, env } = jobEnvironment();
    await run("node", ["app.mjs", "memory://", "--work"], { cwd: project, env, timeout: minute });
    expect(await performedLines(marker)).toEqual(["performed memory"]);
  });

  for (const [service, variable] of [["redis", "HOPPER_TEST_REDIS_URL"], ["postgres", "HOPPER_TEST_POSTGRES_URL"]] as const) {
    it(`${service}: one process enqueues, the packed \`hopper worker\` performs it and exits on SIGTERM`, async (context) => {
      const url = requireService(service)?.[variable];
      if (!url) return context.skip();
      const { queue, marker, env } = jobEnvironment();
      await run("node", ["app.mjs", url], { cwd: project, env, timeout: minute });
      expect(await performedLines(marker)).toEqual([]);
      await run(path.join(project, "node_modules/.bin/hopper"), ["worker", "--url", url, "--jobs", "./jobs.mjs", "--queues", queue], { cwd: project, env, timeout: minute });
      expect(await performedLines(marker)).toEqual([`performed ${service}`]);
    });
  }

  it("redis, installed by pnpm (strict layout) and started from another directory: core still loads the adapter it does not declare", async (context) => {
    const url = requireService("redis")?.HOPPER_TEST_REDIS_URL;
    if (!url) return context.skip();
    expect(existsSync(path.join(pnpmProject, "node_modules/@hopper/redis"))).toBe(true);
    const { marker, env } = jobEnvironment();
    await run("node", [path.join(pnpmProject, "app.mjs"), url, "--work"], { cwd: tmpdir(), env, timeout: minute });
    expect(await performedLines(marker)).toEqual(["performed redis"]);
  });
});

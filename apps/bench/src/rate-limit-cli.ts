// `pnpm --filter @hopper/bench rate-limit`: N worker processes share one rate limit on Redis and on PostgreSQL
// (scenarios/rate-limit.ts); prints the table and writes rate-limit-<stamp>.md/.json. See the README.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { backendNames, nonNegativeInteger, positiveInteger, type BackendName, type BenchOptions } from "./bench-options.js";
import { loadProfiles } from "./bench-plan.js";
import { renderRateLimitMarkdown } from "./report/rate-limit-report.js";
import { parseRateSpec, type RateSpec } from "./scenarios/rate-limit-figures.js";
import { runRateLimit, type RateLimitPoint } from "./scenarios/rate-limit.js";
import { setUpServers } from "./services-setup.js";
import { hopperUrl } from "./targets.js";
import { runMain } from "./run-main.js";

/** Backends whose own server is a coordination store every process shares. */
const sharedStoreBackends: readonly BackendName[] = ["redis", "postgres"];

function rateSpec(text: string): RateSpec {
  try {
    return parseRateSpec(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function backendList(text: string): BackendName[] {
  return text.split(",").map((item) => {
    const name = item.trim() as BackendName;
    if (!sharedStoreBackends.includes(name)) throw new InvalidArgumentError(`unknown backend ${JSON.stringify(item)}: the rate-limit scenario runs on ${sharedStoreBackends.join(", ")} (a store every process shares)`);
    return name;
  });
}

interface RateLimitCliOptions {
  rateLimit: RateSpec;
  burst: number;
  keys: number;
  workers: number[];
  concurrency: number;
  duration: number;
  backends: BackendName[];
  redisUrl?: string;
  postgresUrl?: string;
  out: string;
  services: boolean;
}

export function createRateLimitProgram(): Command {
  return new Command("rate-limit")
    .description("N worker processes share one rate limit through the backend's coordination store: the achieved rate, per-1 s windows against the documented burst, and the store calls and CPU per job.")
    .option("--rate-limit <limit/per>", "the limit every worker's job declares, e.g. 200/1s", rateSpec, parseRateSpec("200/1s"))
    .option("--burst <n>", "the limit's burst (1 spaces starts evenly)", positiveInteger, 5)
    .option("--keys <n>", "0: one bucket; K: one bucket per key, jobs spread over K keys (each bucket gets the limit)", nonNegativeInteger, 0)
    .option("--workers <list>", "worker processes, one run per entry, e.g. 1,2,4", (text: string) => text.split(",").map(positiveInteger), [4])
    .option("--concurrency <n>", "concurrency of each worker", positiveInteger, 10)
    .option("--duration <seconds>", "the measured span, from each bucket's first slot", positiveInteger, 30)
    .option("-b, --backends <list>", `backends: ${sharedStoreBackends.join(", ")}`, backendList, [...sharedStoreBackends])
    .option("--redis-url <url>", "a Redis server to use instead of starting one (also HOPPER_TEST_REDIS_URL)")
    .option("--postgres-url <url>", "a PostgreSQL server to use (also HOPPER_TEST_POSTGRES_URL)")
    .option("-o, --out <dir>", "where rate-limit-<stamp>.md and .json go", "benchmarks/results")
    .option("--no-services", "start no local servers; use only URLs and HOPPER_TEST_* variables")
    .showHelpAfterError()
    .exitOverride();
}

async function main(argv: string[]): Promise<void> {
  const program = createRateLimitProgram();
  program.parse(argv, { from: "user" });
  const options = program.opts<RateLimitCliOptions>();
  if (options.burst > options.rateLimit.limit) throw new InvalidArgumentError(`--burst must be at most the limit (${options.rateLimit.limit}), got ${options.burst}`);
  const startedAt = new Date();
  const command = ["pnpm --filter @hopper/bench rate-limit", ...argv].join(" ");
  // The servers come the way `pnpm bench` finds them (flags, HOPPER_TEST_*, else @hopper/services).
  const benchOptions = {
    plan: loadProfiles().short!,
    backends: options.backends,
    backendsGiven: true,
    scenarios: [],
    kinds: ["hopper"],
    urls: { ...(options.redisUrl && { redis: options.redisUrl }), ...(options.postgresUrl && { postgres: options.postgresUrl }) },
    outDir: options.out,
    startServices: options.services,
    progress: "plain",
  } satisfies BenchOptions;
  const setup = await setUpServers(benchOptions);
  const points: RateLimitPoint[] = [];
  const loads: string[] = [];
  try {
    for (const skip of setup.skipped) process.stderr.write(`skip ${skip.what}: ${skip.reason}\n`);
    for (const backend of setup.backends.filter((name) => backendNames.includes(name) && sharedStoreBackends.includes(name))) {
      const url = hopperUrl(backend, setup.servers);
      if (!url) continue;
      for (const workers of options.workers) {
        const load = loadavg().map((value) => value.toFixed(2)).join(" ");
        loads.push(`${backend} ${workers}: ${load}`);
        const point = await runRateLimit(
          { backend, url, rate: options.rateLimit, burst: options.burst, keys: options.keys, workers, concurrency: options.concurrency, durationMs: options.duration * 1000 },
          (line) => process.stderr.write(`${line}\n`),
        );
        points.push(point);
        process.stderr.write(`${backend} ${workers} workers: ${point.error ? `failed: ${point.error}` : `${point.granted}/${point.expected} granted, busiest 1 s ${point.slotWindows.busiestSliding} (bound ${point.bound})`}\n`);
      }
    }
  } finally {
    await setup.stop();
  }
  const markdown = renderRateLimitMarkdown(points, { command, startedAt: startedAt.toISOString(), load: loads.join("; ") });
  process.stdout.write(markdown);
  const outDir = isAbsolute(options.out) ? options.out : resolve(process.env.INIT_CWD ?? process.cwd(), options.out);
  mkdirSync(outDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  const base = join(outDir, `rate-limit-${stamp}`);
  writeFileSync(`${base}.md`, markdown);
  writeFileSync(`${base}.json`, `${JSON.stringify({ formatVersion: 1, startedAt: startedAt.toISOString(), command, loads, points }, null, 2)}\n`);
  process.stderr.write(`wrote ${base}.md, ${base}.json\n`);
}

runMain(main);

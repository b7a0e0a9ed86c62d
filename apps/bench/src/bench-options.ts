import { Command, InvalidArgumentError, Option } from "commander";
import { latencyWorkerLayouts, scenarioNames, subjectKinds, type BenchPlan, type LatencyWorkerLayout, type ScenarioName } from "./bench-plan.js";
import { subjectNames, type SubjectChoice } from "./targets.js";

export const backendNames = ["memory", "redis", "postgres", "pglite", "sqs", "pubsub"] as const;
export type BackendName = (typeof backendNames)[number];
/** What `pnpm bench` runs with no --backends; pglite joins when the Postgres server cannot start. */
export const defaultBackends: readonly BackendName[] = ["memory", "redis", "postgres", "sqs", "pubsub"];

export interface BenchOptions {
  readonly plan: BenchPlan;
  readonly backends: readonly BackendName[];
  readonly backendsGiven: boolean;
  readonly scenarios: readonly ScenarioName[];
  /** Subject kinds (all of each) and subjects by name. */
  readonly kinds: readonly SubjectChoice[];
  /** Hopper URLs for real servers or cloud services; a set URL means that server is not started locally. */
  readonly urls: Partial<Record<"redis" | "postgres" | "sqs" | "pubsub", string>>;
  readonly outDir: string;
  /** A README whose "## Benchmarks" section is replaced by this run's results. */
  readonly readme?: string;
  readonly startServices: boolean;
  readonly progress: "auto" | "bar" | "plain";
}

/** Raw commander values before the profile is applied. */
interface RawOptions {
  profile: string;
  backends?: BackendName[];
  scenarios?: ScenarioName[];
  kinds?: SubjectChoice[];
  jobs?: number;
  singleJobs?: number;
  bulkJobs?: number;
  bulkBatch?: number;
  concurrency?: number[];
  payloadSizes?: number[];
  repetitions?: number;
  warmup?: number;
  rate?: number;
  p99Bound?: number;
  latencyWorker?: LatencyWorkerLayout;
  inFlight?: number;
  scaleOutWorkers?: number[];
  scaleOutJobs?: number;
  scaleOutConcurrency?: number;
  redisUrl?: string;
  postgresUrl?: string;
  sqsUrl?: string;
  pubsubUrl?: string;
  out: string;
  readme?: string;
  services: boolean;
  progress: "auto" | "bar" | "plain";
}

export function positiveInteger(text: string): number {
  const value = Number(text.replace(/_/g, ""));
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

export function nonNegativeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(`expected an integer ≥ 0, got ${JSON.stringify(text)}`);
  return value;
}

/** "100B,10KB,200KB" or "100,10240" → bytes. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib)?$/i.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`expected a size such as 100B, 10KB or 200KB, got ${JSON.stringify(text)}`);
  const unit = (match[2] ?? "b").toLowerCase();
  const multiplier = unit === "b" ? 1 : unit.startsWith("k") ? 1024 : 1024 * 1024;
  const bytes = Math.round(Number(match[1]) * multiplier);
  if (bytes < 1) throw new InvalidArgumentError(`payload size must be at least 1 byte, got ${JSON.stringify(text)}`);
  return bytes;
}

export function listOf<T>(parse: (item: string) => T) {
  return (text: string): T[] => text.split(",").map((item) => item.trim()).filter(Boolean).map(parse);
}

export function oneOf<T extends string>(allowed: readonly T[], what: string) {
  return (item: string): T => {
    if (!allowed.includes(item as T)) throw new InvalidArgumentError(`unknown ${what} ${JSON.stringify(item)}: use ${allowed.join(", ")}`);
    return item as T;
  };
}

export function createProgram(): Command {
  return new Command("bench")
    .description("Throughput, latency and memory of every Hopper backend, side by side with the raw clients and the best-known peers.")
    .option("--profile <name>", "scenario profile from benchmarks/scenarios.json (short | full | sweep)", "short")
    .option("-b, --backends <list>", `backends to run: ${backendNames.join(", ")} (default: ${defaultBackends.join(",")}; pglite when Postgres cannot start)`, listOf(oneOf(backendNames, "backend")))
    .option("-s, --scenarios <list>", `scenarios: ${scenarioNames.join(", ")} (default: all)`, listOf(oneOf(scenarioNames, "scenario")))
    .option(
      "-k, --kinds <list>",
      `subjects: ${subjectKinds.join(", ")}, or subjects by name, e.g. hopper,pg-boss (default: all; hopper alone skips baselines and peers)`,
      listOf(oneOf<SubjectChoice>([...new Set([...subjectKinds, ...subjectNames])], "subject kind or name")),
    )
    .option("-n, --jobs <n>", "jobs per drain run", positiveInteger)
    .option("--single-jobs <n>", "jobs enqueued one per call", positiveInteger)
    .option("--bulk-jobs <n>", "jobs enqueued in batches", positiveInteger)
    .option("--bulk-batch <n>", "jobs per bulk enqueue call", positiveInteger)
    .option("-c, --concurrency <list>", "drain concurrency levels, e.g. 1,10,50", listOf(positiveInteger))
    .option("--payload-sizes <list>", "payload sizes, e.g. 100B,10KB,200KB", listOf(parseSize))
    .option("-r, --repetitions <n>", "measured repetitions (after warm-up)", positiveInteger)
    .option("--warmup <n>", "warm-up repetitions, not reported", nonNegativeInteger)
    .option("--rate <jobsPerSecond>", "offered rate of the fixed-rate latency run", positiveInteger)
    .option("--p99-bound <ms>", "p99 bound for the highest sustained rate", positiveInteger)
    .option(
      "--latency-worker <layout>",
      `where the latency scenario's consumer runs: same (beside the producer, one process: the default, as earlier results) or process (a worker process of its own, as deployed)`,
      oneOf(latencyWorkerLayouts, "latency worker layout"),
    )
    .option("--in-flight <n>", "jobs held in flight for the memory growth figure", positiveInteger)
    .option("--scale-out-workers <list>", "worker processes per scale-out run, e.g. 1,2,4 (a smoke test: -s scale-out --profile full --scale-out-workers 1,2 --scale-out-jobs 2000)", listOf(positiveInteger))
    .option("--scale-out-jobs <n>", "jobs pre-filled for each scale-out run", positiveInteger)
    .option("--scale-out-concurrency <n>", "concurrency of each scale-out worker process", positiveInteger)
    .option("--redis-url <url>", "a Redis server to use instead of starting one (also HOPPER_TEST_REDIS_URL)")
    .option("--postgres-url <url>", "a PostgreSQL server to use (also HOPPER_TEST_POSTGRES_URL)")
    .option("--sqs-url <url>", "a Hopper SQS URL, e.g. sqs://eu-west-1/bench-?createQueues=true (real AWS; credentials from the environment)")
    .option("--pubsub-url <url>", "a Hopper Pub/Sub URL, e.g. pubsub://my-project (real GCP unless PUBSUB_EMULATOR_HOST is set)")
    .option("-o, --out <dir>", "where the table, JSON and chart go", "benchmarks/results")
    .option("--readme <file>", "replace the \"## Benchmarks\" section of this README (e.g. README.md) with the run's results")
    .option("--no-services", "start no local servers; use only URLs, HOPPER_TEST_* variables and embedded backends")
    .addOption(new Option("--progress <mode>", "progress display").choices(["auto", "bar", "plain"]).default("auto"))
    .showHelpAfterError()
    .exitOverride();
}

/** Parses argv (without node and script) against a profile table. Throws commander errors on bad input. */
export function parseBenchOptions(argv: readonly string[], profiles: Readonly<Record<string, BenchPlan>>, output?: { writeOut(text: string): void; writeErr(text: string): void }): BenchOptions {
  const program = createProgram();
  if (output) program.configureOutput(output);
  program.parse([...argv], { from: "user" });
  const raw = program.opts<RawOptions>();
  const base = profiles[raw.profile];
  if (!base) throw new InvalidArgumentError(`unknown profile ${JSON.stringify(raw.profile)}: use ${Object.keys(profiles).join(", ")}`);
  const plan: BenchPlan = {
    ...base,
    warmup: raw.warmup ?? base.warmup,
    repetitions: raw.repetitions ?? base.repetitions,
    enqueue: {
      ...base.enqueue,
      singleJobs: raw.singleJobs ?? base.enqueue.singleJobs,
      bulkJobs: raw.bulkJobs ?? base.enqueue.bulkJobs,
      bulkBatch: raw.bulkBatch ?? base.enqueue.bulkBatch,
    },
    drain: { ...base.drain, jobs: raw.jobs ?? base.drain.jobs, concurrency: raw.concurrency ?? base.drain.concurrency },
    latency: { ...base.latency, rate: raw.rate ?? base.latency.rate, p99BoundMs: raw.p99Bound ?? base.latency.p99BoundMs, worker: raw.latencyWorker ?? base.latency.worker },
    payload: { ...base.payload, sizes: raw.payloadSizes ?? base.payload.sizes },
    memory: { ...base.memory, inFlight: raw.inFlight ?? base.memory.inFlight },
    scaleOut: {
      ...base.scaleOut,
      workers: raw.scaleOutWorkers ?? base.scaleOut.workers,
      jobs: raw.scaleOutJobs ?? base.scaleOut.jobs,
      concurrency: raw.scaleOutConcurrency ?? base.scaleOut.concurrency,
    },
  };
  const urls: BenchOptions["urls"] = {
    ...(raw.redisUrl && { redis: raw.redisUrl }),
    ...(raw.postgresUrl && { postgres: raw.postgresUrl }),
    ...(raw.sqsUrl && { sqs: raw.sqsUrl }),
    ...(raw.pubsubUrl && { pubsub: raw.pubsubUrl }),
  };
  return {
    plan,
    backends: unique(raw.backends ?? defaultBackends),
    backendsGiven: raw.backends !== undefined,
    scenarios: unique(raw.scenarios ?? scenarioNames),
    kinds: unique(raw.kinds ?? subjectKinds),
    urls,
    outDir: raw.out,
    ...(raw.readme && { readme: raw.readme }),
    startServices: raw.services,
    progress: raw.progress,
  };
}

/** The command line that reproduces a run, for the results header. */
export function commandLine(argv: readonly string[]): string {
  return ["pnpm bench", ...argv.map((argument) => (/^[\w./:=,@%+-]+$/.test(argument) ? argument : JSON.stringify(argument)))].join(" ");
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

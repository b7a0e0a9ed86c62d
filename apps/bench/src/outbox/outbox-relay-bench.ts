/**
 * The PostgreSQL outbox's relay beside direct bulk enqueue of the same jobs to the same target
 * (issue #26): per target and round, three phases on fresh queues, in an order that alternates
 * between rounds:
 *   direct   `enqueueAll` in calls of --direct-batch, one at a time (no outbox);
 *   backlog  --transactions transactions of -k jobs committed first, then `hopper.relay()` started:
 *            its rate, Node CPU per job, PostgreSQL queries and target sends, counted;
 *   live     the relay running (LISTEN/NOTIFY wakes it) while --producers connections commit: the
 *            commit → enqueue latency of every job.
 * A job is "on the target" when the send that carried it was answered (the relay's Backend is
 * wrapped, see send-log.ts): that is the enqueue the issue times, without a worker's receive path.
 *
 *   pnpm --filter @hopper/bench outbox-relay -t redis,sqs -r 3 --transactions 200 -k 10
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { createHopper, Job, type Hopper } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { createPostgresOutbox } from "@hopper/postgres";
import { upServices, stopServices, type ServiceName } from "@hopper/services";
import pg from "pg";
import { PgQueryCount, queryDelta } from "./pg-query-count.js";
import { medianFigures, renderRelayReport, roundFigures, type RelayRoundSamples, type RelayTargetResult } from "./relay-figures.js";
import { parseRelayOptions, type RelayBenchOptions, type RelayTarget } from "./relay-options.js";
import { SendLog } from "./send-log.js";
import { runMain } from "../run-main.js";

class RelayBenchJob extends Job<{ n: number }> {
  static override jobName = "RelayBenchJob";
  async perform(): Promise<void> {}
}

const silentLogger = { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: () => false };
const arrivalTimeoutMs = 180_000;
const serviceOf: Record<RelayTarget, ServiceName> = { redis: "redis", sqs: "sqs", pubsub: "pubsub" };

async function openTarget(target: RelayTarget, env: Record<string, string>, tag: string): Promise<Backend> {
  switch (target) {
    case "redis": {
      const { createBackendFromUrl } = await import("@hopper/redis");
      return createBackendFromUrl(new URL(env.HOPPER_TEST_REDIS_URL!));
    }
    case "sqs": {
      const { createBackendFromUrl } = await import("@hopper/sqs");
      const region = env.AWS_REGION ?? "us-east-1";
      return createBackendFromUrl(new URL(`sqs://${region}/relay-${tag}-?endpoint=${encodeURIComponent(env.HOPPER_TEST_SQS_ENDPOINT!)}&createQueues=true`));
    }
    case "pubsub": {
      const { createBackendFromUrl } = await import("@hopper/pubsub");
      return createBackendFromUrl(new URL(`pubsub://${env.HOPPER_TEST_PUBSUB_PROJECT!}`));
    }
  }
}

interface Staged {
  readonly ids: string[];
  readonly commitAt: Map<string, number>;
  readonly firstBeginMs: number;
  readonly firstCommitMs: number;
  readonly lastCommitMs: number;
}

/** `transactions` transactions of `perTransaction` jobs through the outbox, `producers` at a time; each job's COMMIT-answered moment. */
async function stage(hopper: Hopper, pool: pg.Pool, queue: string, options: RelayBenchOptions, transactions = options.transactions): Promise<Staged> {
  const ids: string[] = [];
  const commitAt = new Map<string, number>();
  let next = 0;
  let firstBeginMs = Infinity;
  let firstCommitMs = Infinity;
  let lastCommitMs = -Infinity;
  const producer = async () => {
    const client = await pool.connect();
    try {
      while (next < transactions) {
        const transaction = next++;
        const args = Array.from({ length: options.jobsPerTransaction }, (_, index) => ({ n: transaction * options.jobsPerTransaction + index }));
        firstBeginMs = Math.min(firstBeginMs, performance.now());
        await client.query("BEGIN");
        const staged = await hopper.enqueueAll(RelayBenchJob, args, { queue, transaction: client });
        await client.query("COMMIT");
        const at = performance.now();
        firstCommitMs = Math.min(firstCommitMs, at);
        lastCommitMs = Math.max(lastCommitMs, at);
        for (const id of staged) commitAt.set(id, at);
        ids.push(...staged);
      }
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.producers, transactions) }, producer));
  return { ids, commitAt, firstBeginMs, firstCommitMs, lastCommitMs };
}

async function prepareQueue(backend: Backend, queue: string): Promise<void> {
  // A receive creates what the target creates lazily (SQS queue, Pub/Sub topic and subscription), so no send is dropped.
  const stray = await backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: Math.max(1000, backend.capabilities.minLeaseMs) });
  await Promise.all(stray.map((message) => message.ack()));
}

const cpuNow = () => {
  const used = process.cpuUsage();
  return used.user + used.system;
};

async function direct(hopper: Hopper, queue: string, options: RelayBenchOptions, log: SendLog): Promise<RelayRoundSamples["direct"]> {
  const jobs = options.transactions * options.jobsPerTransaction;
  const args = Array.from({ length: jobs }, (_, n) => ({ n }));
  const cpu = cpuNow();
  const startedAt = performance.now();
  const ids: string[] = [];
  for (let index = 0; index < jobs; index += options.directBatch) ids.push(...(await hopper.enqueueAll(RelayBenchJob, args.slice(index, index + options.directBatch), { queue })));
  const elapsedMs = performance.now() - startedAt;
  const cpuUs = cpuNow() - cpu;
  await log.waitFor(ids, 1);
  return { elapsedMs, cpuUs };
}

async function backlog(hopper: Hopper, pool: pg.Pool, queue: string, options: RelayBenchOptions, log: SendLog): Promise<RelayRoundSamples["backlog"]> {
  const staged = await stage(hopper, pool, queue, options);
  const sends = log.sends;
  const queries = PgQueryCount.snapshot();
  const cpu = cpuNow();
  const startedAt = performance.now();
  const relay = hopper.relay({ handleSignals: false, batchSize: options.relayBatch });
  const running = relay.run();
  await log.waitFor(staged.ids, arrivalTimeoutMs);
  const lastArrival = Math.max(...staged.ids.map((id) => log.arrivalOf(id)!));
  const cpuUs = cpuNow() - cpu;
  await relay.stop();
  await running;
  return { elapsedMs: lastArrival - startedAt, cpuUs, batches: Math.ceil(staged.ids.length / options.relayBatch), sends: log.sends - sends, queries: queryDelta(queries, PgQueryCount.snapshot()) };
}

async function live(hopper: Hopper, pool: pg.Pool, queue: string, options: RelayBenchOptions, log: SendLog): Promise<RelayRoundSamples["live"]> {
  const relay = hopper.relay({ handleSignals: false, batchSize: options.relayBatch });
  const running = relay.run();
  try {
    // One transaction relayed first: the relay holds its lease and listens before the clock starts.
    const warm = await stage(hopper, pool, queue, options, 1);
    await log.waitFor(warm.ids, arrivalTimeoutMs);
    const sends = log.sends;
    const staged = await stage(hopper, pool, queue, options);
    await log.waitFor(staged.ids, arrivalTimeoutMs);
    const latenciesMs = staged.ids.map((id) => log.arrivalOf(id)! - staged.commitAt.get(id)!);
    return {
      firstBeginMs: staged.firstBeginMs,
      firstCommitMs: staged.firstCommitMs,
      lastCommitMs: staged.lastCommitMs,
      lastArrivalMs: Math.max(...staged.ids.map((id) => log.arrivalOf(id)!)),
      sends: log.sends - sends,
      latenciesMs,
    };
  } finally {
    await relay.stop();
    await running;
  }
}

async function benchTarget(target: RelayTarget, env: Record<string, string>, postgresUrl: string, options: RelayBenchOptions, log: SendLog, progress: (line: string) => void): Promise<RelayTargetResult> {
  const tag = randomBytes(3).toString("hex");
  const backend = log.wrap(await openTarget(target, env, tag));
  const outbox = await createPostgresOutbox({ connectionString: postgresUrl, schema: `relay_bench_${tag}` });
  const hopper = createHopper({ backend, outbox, jobs: [RelayBenchJob], logger: silentLogger });
  const pool = new pg.Pool({ connectionString: postgresUrl, max: options.producers });
  pool.on("error", () => {});
  let serial = 0;
  const queue = async (phase: string) => {
    const name = `relay-${tag}-${phase}-${(serial += 1)}`;
    await prepareQueue(backend, name);
    return name;
  };
  try {
    // Warm-up, not counted: connections, scripts, JIT on both paths.
    const warmOptions = { ...options, transactions: Math.min(options.transactions, 20) };
    await direct(hopper, await queue("warm"), warmOptions, log);
    await backlog(hopper, pool, await queue("warm"), warmOptions, log);
    const rounds: RelayRoundSamples[] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      const phases = round % 2 === 0 ? (["direct", "backlog", "live"] as const) : (["live", "backlog", "direct"] as const);
      const samples: Partial<{ -readonly [K in keyof RelayRoundSamples]: RelayRoundSamples[K] }> = { jobs: options.transactions * options.jobsPerTransaction };
      for (const phase of phases) {
        const name = await queue(phase);
        if (phase === "direct") samples.direct = await direct(hopper, name, options, log);
        else if (phase === "backlog") samples.backlog = await backlog(hopper, pool, name, options, log);
        else samples.live = await live(hopper, pool, name, options, log);
      }
      rounds.push(samples as RelayRoundSamples);
      const figures = roundFigures(samples as RelayRoundSamples);
      progress(
        `${target} round ${round + 1}: direct ${figures.directRate.toFixed(0)}/s, backlog ${figures.backlogRate.toFixed(0)}/s (${figures.backlogRatio.toFixed(2)}×), live ${figures.liveRate.toFixed(0)}/s (${figures.liveRatio.toFixed(2)}×), ` +
          `p50 ${figures.latency.p50.toFixed(1)} ms p99 ${figures.latency.p99.toFixed(1)} ms, load ${loadavg()[0]!.toFixed(2)}`,
      );
    }
    const figures = rounds.map(roundFigures);
    return { target, rounds: figures, backlogQueries: rounds.map((round) => round.backlog.queries), median: medianFigures(figures) };
  } finally {
    await pool.end();
    await hopper.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const options = parseRelayOptions(argv);
  const logs: SendLog[] = [];
  PgQueryCount.install(() => logs.some((log) => log.sending));
  const startedAt = new Date();
  const loadAtStart = loadavg();
  const wanted: ServiceName[] = [...(options.postgresUrl ? [] : (["postgres"] as const)), ...options.targets.map((target) => serviceOf[target])];
  const up = await upServices(wanted);
  const failed = up.services.filter((service) => service.outcome === "failed");
  if (failed.length > 0) throw new Error(`services did not start: ${failed.map((service) => service.name).join(", ")}`);
  const startedAny = up.services.some((service) => service.outcome === "started");
  // The emulators' variables (AWS credentials and endpoint, PUBSUB_EMULATOR_HOST) are read by the clients from the environment.
  Object.assign(process.env, up.env);
  try {
    const postgresUrl = options.postgresUrl ?? up.env.HOPPER_TEST_POSTGRES_URL!;
    const results: RelayTargetResult[] = [];
    const failures: { target: RelayTarget; error: string }[] = [];
    for (const target of options.targets) {
      // One target failing (an emulator down) must not lose the others' figures.
      try {
        const log = new SendLog();
        logs.push(log);
        results.push(await benchTarget(target, up.env, postgresUrl, options, log, (line) => process.stderr.write(`${line}\n`)));
      } catch (error) {
        failures.push({ target, error: (error as Error).message.split("\n")[0]! });
        process.stderr.write(`${target} failed: ${(error as Error).stack}\n`);
      }
    }
    const command = ["pnpm --filter @hopper/bench outbox-relay", ...argv].join(" ");
    const loadAverage = loadavg();
    const report = `${renderRelayReport({ command, startedAt: startedAt.toISOString(), loadAverage, settings: options, results })}${failures.map((failure) => `\nfailed ${failure.target}: ${failure.error}\n`).join("")}`;
    const outDir = isAbsolute(options.outDir) ? options.outDir : resolve(process.env.INIT_CWD ?? process.cwd(), options.outDir);
    mkdirSync(outDir, { recursive: true });
    const base = join(outDir, `outbox-relay-run-${startedAt.toISOString().replace(/[:.]/g, "-").replace(/-\d+Z$/, "Z")}`);
    const json = { formatVersion: 1, kind: "outbox-relay", startedAt: startedAt.toISOString(), command, loadAverage: { atStart: loadAtStart, atEnd: loadAverage }, node: process.version, settings: options, results, failures };
    writeFileSync(`${base}.json`, `${JSON.stringify(json, (_key, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? null : value), 2)}\n`);
    writeFileSync(`${base}.md`, report);
    process.stdout.write(`${report}\nwrote ${base}.json, ${base}.md\n`);
  } finally {
    if (startedAny) await stopServices();
  }
}

runMain(main);

/**
 * What a batch's bookkeeping costs per job, deterministically: the same no-op jobs
 * enqueued and drained outside any batch, then as one batch's members (with an
 * onComplete callback), on one Redis server (backend and coordination store alike).
 * Per job: Node CPU time (user+system) and Redis commands (INFO commandstats deltas,
 * commands run by scripts included). Not a throughput figure.
 *
 *   pnpm --filter @hopper/bench batch-cost <redis url> [jobs] [concurrency]
 *   e.g. … batch-cost redis://127.0.0.1:6379 10000 20
 */
import { randomUUID } from "node:crypto";
import { createConsoleLogger, createHopper, Job } from "@hopper/core";
import { Redis } from "ioredis";
import { redisServerCounts, type ServerCounts } from "./redis-server-counts.js";

const [url = process.env.HOPPER_TEST_REDIS_URL ?? "", jobsText = "10000", concurrencyText = "20"] = process.argv.slice(2);
if (!url.startsWith("redis")) throw new Error("batch-cost needs a redis:// url (argument 1 or HOPPER_TEST_REDIS_URL)");
const jobs = Number(jobsText);
const concurrency = Number(concurrencyText);
const admin = new Redis(url);
const queue = `batch-cost-${randomUUID().slice(0, 8)}`;

let performed = 0;
class Noop extends Job<{ n: number }> {
  static override queue = queue;
  async perform() {
    performed++;
  }
}
class Done extends Job<{ jobs: number }> {
  static override queue = queue;
  async perform() {}
}
const hopper = createHopper({ url, jobs: [Noop, Done], logger: createConsoleLogger("error") });

/** Enqueues with `enqueue`, drains with one worker; the counts of both phases per job. */
async function measure(label: string, enqueue: (argsList: { n: number }[]) => Promise<void>, expected: number): Promise<Record<string, number>> {
  performed = 0;
  const argsList = Array.from({ length: jobs }, (_, n) => ({ n }));
  const before = (await redisServerCounts(admin))!;
  const cpu = process.cpuUsage();
  for (let from = 0; from < jobs; from += 1000) await enqueue(argsList.slice(from, from + 1000));
  const worker = hopper.worker({ queues: [queue], concurrency, handleSignals: false, pollWait: "100ms" });
  const running = worker.run();
  while (performed < expected) await new Promise((resolve) => setTimeout(resolve, 20));
  await worker.stop();
  await running;
  const used = process.cpuUsage(cpu);
  const after = (await redisServerCounts(admin))!;
  const perJob = commandsPerJob(before, after);
  const total = Object.values(perJob).reduce((sum, each) => sum + each, 0);
  console.log(`${label}: node CPU ${((used.user + used.system) / jobs).toFixed(1)} µs/job; redis commands ${total.toFixed(2)}/job (${Object.entries(perJob).map(([name, count]) => `${name} ${count.toFixed(2)}`).join(", ")})`);
  return { total, ...perJob };
}

function commandsPerJob(before: ServerCounts, after: ServerCounts): Record<string, number> {
  const perJob: Record<string, number> = {};
  for (const [name, calls] of after.calls) {
    // INFO is this probe's own; GET is the pause flag a worker reads on a timer, not per job.
    if (name === "info" || name === "get") continue;
    const delta = calls - (before.calls.get(name) ?? 0);
    if (delta > 0) perJob[name] = delta / jobs;
  }
  return perJob;
}

try {
  // Warm-up: JIT, connections, script loads.
  await measure("warm-up (outside any batch)", async (argsList) => void (await Noop.performAllLater(argsList)), jobs);
  const plain = await measure("outside any batch", async (argsList) => void (await Noop.performAllLater(argsList)), jobs);
  const batch = await hopper.batch({ onComplete: [Done, { jobs }] });
  const batched = await measure("in one batch (onComplete)", async (argsList) => void (await batch.addAll(Noop, argsList)), jobs);
  await batch.seal();
  const names = [...new Set([...Object.keys(plain), ...Object.keys(batched)])].filter((name) => name !== "total");
  console.log(`batch bookkeeping: ${(batched.total! - plain.total!).toFixed(2)} redis commands/job more (${names.map((name) => `${name} ${((batched[name] ?? 0) - (plain[name] ?? 0)).toFixed(2)}`).join(", ")})`);
} finally {
  await hopper.close();
  admin.disconnect();
}

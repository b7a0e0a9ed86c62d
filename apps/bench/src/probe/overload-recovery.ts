/**
 * Why a subject does or does not recover after an overload step of the latency scenario's rate search: runs
 * offerRate (the scenario's own step: a fresh queue, one job per enqueue call, unstarted jobs left behind) at
 * each rate given, in order, and prints per step the started count and p50/p99, and every statement the
 * subject's `pg` clients sent during the step, by kind: count, mean and max ms (client side: queueing in the
 * pool is not included; the round trip and the server's time are), mean rows per ack (its first array
 * parameter), and the most callers seen waiting for a pool connection. Subjects: hopper, raw. A step
 * `vacuum:<table>` runs VACUUM on that table instead (as autovacuum would between steps, when the last step's
 * queue is drained and the table looks empty to it).
 *   pnpm --filter @hopper/bench overload-recovery <postgres-url> <hopper|raw> <rate|vacuum:table,...> [stepMs] [graceMs]
 */
import pg from "pg";
import { loadProfiles } from "../bench-plan.js";
import { offerRate } from "../scenarios/latency-scenario.js";
import { sameProcessWorker } from "../scenarios/latency-worker.js";
import { uniqueQueueName, type ScenarioContext } from "../scenarios/scenario-context.js";
import type { BenchSubject } from "../subjects/bench-subject.js";

const [url = process.env.HOPPER_TEST_POSTGRES_URL ?? "", kind = "hopper", ratesText = "4000,8000,4000", stepText = "5000", graceText = "3000"] = process.argv.slice(2);

interface Kind {
  count: number;
  totalMs: number;
  maxMs: number;
  rows: number;
}
let kinds = new Map<string, Kind>();
const pools = new Set<pg.Pool>();
let mostWaiting = 0;

function kindOf(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (/DELETE FROM \S+\.messages/.test(flat) || /^DELETE/.test(flat)) return "ack (DELETE)";
  if (/FOR UPDATE SKIP LOCKED|\.claim_messages\(/.test(flat)) return "claim";
  if (/INSERT INTO/.test(flat)) return "enqueue (INSERT)";
  return flat.slice(0, 40);
}

// Times every query the process's pg clients send (Hopper's backend and the raw subject use this same module).
const originalQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: unknown }).query = function (this: pg.Client, ...args: unknown[]) {
  const config = args[0];
  const text = typeof config === "string" ? config : ((config as { text?: string })?.text ?? "");
  const values = (Array.isArray(args[1]) ? args[1] : (config as { values?: unknown[] })?.values) as unknown[] | undefined;
  if (!text) return originalQuery.apply(this, args);
  const startedAt = performance.now();
  const name = kindOf(text);
  const rows = Array.isArray(values?.[0]) ? (values[0] as unknown[]).length : 1;
  const done = () => {
    const ms = performance.now() - startedAt;
    const entry = kinds.get(name) ?? { count: 0, totalMs: 0, maxMs: 0, rows: 0 };
    entry.count += 1;
    entry.totalMs += ms;
    entry.maxMs = Math.max(entry.maxMs, ms);
    entry.rows += rows;
    kinds.set(name, entry);
  };
  // pg.Pool#query passes a callback (and gets no promise back); a client's own query returns one.
  const callbackAt = args.findIndex((arg) => typeof arg === "function");
  if (callbackAt >= 0) {
    const callback = args[callbackAt] as (...results: unknown[]) => void;
    args[callbackAt] = (...results: unknown[]) => {
      done();
      callback(...results);
    };
    return originalQuery.apply(this, args);
  }
  const result = originalQuery.apply(this, args);
  if (result instanceof Promise) result.then(done, done);
  return result;
};
const originalConnect = pg.Pool.prototype.connect as (...args: unknown[]) => unknown;
(pg.Pool.prototype as unknown as { connect: unknown }).connect = function (this: pg.Pool, ...args: unknown[]) {
  pools.add(this);
  return originalConnect.apply(this, args);
};
const poolWatch = setInterval(() => {
  for (const pool of pools) mostWaiting = Math.max(mostWaiting, pool.waitingCount);
}, 20);
poolWatch.unref();

async function subjectFor(name: string): Promise<BenchSubject> {
  if (name === "hopper") return (await import("../subjects/hopper-subject.js")).createHopperSubject(url);
  if (name === "raw") return (await import("../subjects/postgres-skip-locked-subject.js")).createPostgresSkipLockedSubject(url);
  throw new Error(`subject must be hopper or raw, got ${JSON.stringify(name)}`);
}

const basePlan = loadProfiles().full!;
const plan = { ...basePlan, latency: { ...basePlan.latency, graceMs: Number(graceText) } };
const subject = await subjectFor(kind);
const context: ScenarioContext = { subject, plan, progress() {}, note: (text) => console.log(`  note: ${text}`), queueName: uniqueQueueName };
console.log(`${kind} rates ${ratesText}, ${stepText} ms each, grace ${graceText} ms; load ${(await import("node:os")).loadavg().map((value) => value.toFixed(2)).join(" ")}`);
for (const step of ratesText.split(",")) {
  if (step.startsWith("vacuum:")) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`VACUUM ${step.slice("vacuum:".length)}`);
    const [stats] = (await client.query(`SELECT reltuples, relpages FROM pg_class WHERE oid = $1::regclass`, [step.slice("vacuum:".length)])).rows;
    console.log(`${step}: reltuples ${stats.reltuples}, relpages ${stats.relpages}`);
    await client.end();
    continue;
  }
  const rate = Number(step);
  kinds = new Map();
  mostWaiting = 0;
  const run = await offerRate(context, sameProcessWorker(subject), rate, Number(stepText), `@${rate}`);
  const load = (await import("node:os")).loadavg()[0]!.toFixed(2);
  console.log(`@${rate}/s: ${run.received}/${run.offered} started, p50 ${run.latency.p50.toFixed(1)} ms, p99 ${run.latency.p99.toFixed(1)} ms, ${run.sustained ? "sustained" : "FAILED"}; most waiting for a connection ${mostWaiting}; load ${load}`);
  for (const [name, entry] of [...kinds].sort((left, right) => right[1].totalMs - left[1].totalMs)) {
    console.log(`    ${name.padEnd(40)} ${String(entry.count).padStart(6)} × mean ${(entry.totalMs / entry.count).toFixed(2).padStart(8)} ms, max ${entry.maxMs.toFixed(1).padStart(8)} ms, mean rows ${(entry.rows / entry.count).toFixed(1)}`);
  }
}
await subject.close();

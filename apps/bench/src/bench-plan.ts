import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const scenarioNames = ["enqueue", "drain", "latency", "payload", "delayed", "memory", "idle", "scale-out"] as const;
export type ScenarioName = (typeof scenarioNames)[number];

/** hopper: the library under test; raw: the least work the server needs for the same guarantee; peer: another job library. */
export const subjectKinds = ["hopper", "raw", "peer"] as const;
export type SubjectKind = (typeof subjectKinds)[number];

/**
 * Where the latency scenario's consumer runs: `same`, beside the producer in one process (as every run before it did);
 * `process`, in a worker process of its own, as an enqueuing web process and a worker are deployed
 * (scenarios/latency-worker.ts).
 */
export const latencyWorkerLayouts = ["same", "process"] as const;
export type LatencyWorkerLayout = (typeof latencyWorkerLayouts)[number];

/** Every knob of one run; a profile in benchmarks/scenarios.json gives the defaults, flags override them. */
export interface BenchPlan {
  readonly profile: string;
  readonly warmup: number;
  readonly repetitions: number;
  readonly enqueue: { readonly singleJobs: number; readonly callers: number; readonly bulkJobs: number; readonly bulkBatch: number };
  readonly drain: { readonly jobs: number; readonly concurrency: readonly number[]; readonly timeoutMs: number };
  readonly latency: {
    readonly rate: number;
    readonly durationMs: number;
    readonly concurrency: number;
    readonly p99BoundMs: number;
    readonly searchRates: readonly number[];
    readonly searchDurationMs: number;
    /** Extra steps bisecting (geometrically) between the highest passing and the lowest failing rate. */
    readonly refineSteps: number;
    readonly graceMs: number;
    /** Where the consumer runs; `same` when the profile does not say. */
    readonly worker: LatencyWorkerLayout;
  };
  readonly payload: { readonly sizes: readonly number[]; readonly jobs: number; readonly concurrency: number; readonly timeoutMs: number };
  readonly delayed: { readonly jobs: number; readonly delayMs: number; readonly concurrency: number; readonly graceMs: number };
  readonly memory: { readonly inFlight: number; readonly timeoutMs: number };
  /** An idle consumer (`concurrency` slots, empty queue) left to settle for `settleMs`, then its process's RSS: measured first in each child. */
  readonly idle: { readonly concurrency: number; readonly settleMs: number };
  /** N worker processes (each at `concurrency`) draining one queue of `jobs` another process filled, for each N in `workers`. */
  readonly scaleOut: { readonly jobs: number; readonly workers: readonly number[]; readonly concurrency: number; readonly fillBatch: number; readonly timeoutMs: number };
  /** Measure every peer once per settings variant (subjects/peer-settings.ts) instead of once with the chosen one. */
  readonly sweepPeerSettings: boolean;
  /** Which subject kinds run each scenario. */
  readonly subjects: Readonly<Record<ScenarioName, readonly SubjectKind[]>>;
}

export const scenariosFile = fileURLToPath(new URL("../../../benchmarks/scenarios.json", import.meta.url));

export function loadProfiles(file = scenariosFile): Record<string, BenchPlan> {
  const data = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(data).map(([name, profile]) => [name, parseProfile(name, profile)]));
}

/** Checks one profile's shape so a typo in scenarios.json fails loudly, naming the field. */
export function parseProfile(name: string, value: unknown): BenchPlan {
  const profile = objectAt(value, name);
  const section = (key: string) => objectAt(profile[key], `${name}.${key}`);
  const count = (object: Record<string, unknown>, key: string, path: string) => positiveInteger(object[key], `${path}.${key}`);
  const counts = (object: Record<string, unknown>, key: string, path: string) => {
    const list = object[key];
    if (!Array.isArray(list) || list.length === 0) throw new Error(`${path}.${key} must be a non-empty list of positive integers`);
    return list.map((item, index) => positiveInteger(item, `${path}.${key}[${index}]`));
  };
  const enqueue = section("enqueue");
  const drain = section("drain");
  const latency = section("latency");
  const payload = section("payload");
  const delayed = section("delayed");
  const memory = section("memory");
  const idle = section("idle");
  const scaleOut = section("scaleOut");
  const subjects = section("subjects");
  if (profile.sweepPeerSettings !== undefined && typeof profile.sweepPeerSettings !== "boolean") throw new Error(`${name}.sweepPeerSettings must be true or false`);
  return {
    profile: name,
    warmup: nonNegativeInteger(profile.warmup, `${name}.warmup`),
    repetitions: positiveInteger(profile.repetitions, `${name}.repetitions`),
    enqueue: {
      singleJobs: count(enqueue, "singleJobs", `${name}.enqueue`),
      callers: count(enqueue, "callers", `${name}.enqueue`),
      bulkJobs: count(enqueue, "bulkJobs", `${name}.enqueue`),
      bulkBatch: count(enqueue, "bulkBatch", `${name}.enqueue`),
    },
    drain: { jobs: count(drain, "jobs", `${name}.drain`), concurrency: counts(drain, "concurrency", `${name}.drain`), timeoutMs: count(drain, "timeoutMs", `${name}.drain`) },
    latency: {
      rate: count(latency, "rate", `${name}.latency`),
      durationMs: count(latency, "durationMs", `${name}.latency`),
      concurrency: count(latency, "concurrency", `${name}.latency`),
      p99BoundMs: count(latency, "p99BoundMs", `${name}.latency`),
      searchRates: counts(latency, "searchRates", `${name}.latency`),
      searchDurationMs: count(latency, "searchDurationMs", `${name}.latency`),
      refineSteps: nonNegativeInteger(latency.refineSteps, `${name}.latency.refineSteps`),
      graceMs: count(latency, "graceMs", `${name}.latency`),
      worker: latencyWorkerLayout(latency.worker, `${name}.latency.worker`),
    },
    payload: {
      sizes: counts(payload, "sizes", `${name}.payload`),
      jobs: count(payload, "jobs", `${name}.payload`),
      concurrency: count(payload, "concurrency", `${name}.payload`),
      timeoutMs: count(payload, "timeoutMs", `${name}.payload`),
    },
    delayed: {
      jobs: count(delayed, "jobs", `${name}.delayed`),
      delayMs: count(delayed, "delayMs", `${name}.delayed`),
      concurrency: count(delayed, "concurrency", `${name}.delayed`),
      graceMs: count(delayed, "graceMs", `${name}.delayed`),
    },
    memory: { inFlight: count(memory, "inFlight", `${name}.memory`), timeoutMs: count(memory, "timeoutMs", `${name}.memory`) },
    idle: { concurrency: count(idle, "concurrency", `${name}.idle`), settleMs: count(idle, "settleMs", `${name}.idle`) },
    scaleOut: {
      jobs: count(scaleOut, "jobs", `${name}.scaleOut`),
      workers: counts(scaleOut, "workers", `${name}.scaleOut`),
      concurrency: count(scaleOut, "concurrency", `${name}.scaleOut`),
      fillBatch: count(scaleOut, "fillBatch", `${name}.scaleOut`),
      timeoutMs: count(scaleOut, "timeoutMs", `${name}.scaleOut`),
    },
    sweepPeerSettings: profile.sweepPeerSettings === true,
    subjects: Object.fromEntries(
      scenarioNames.map((scenario) => {
        const kinds = subjects[scenario];
        if (!Array.isArray(kinds) || !kinds.every((kind) => subjectKinds.includes(kind))) {
          throw new Error(`${name}.subjects.${scenario} must list subject kinds from ${subjectKinds.join(", ")}`);
        }
        return [scenario, kinds as SubjectKind[]];
      }),
    ) as Record<ScenarioName, SubjectKind[]>,
  };
}

/** A profile's latency worker layout: absent means `same` (profiles written before the choice). */
function latencyWorkerLayout(value: unknown, path: string): LatencyWorkerLayout {
  if (value === undefined) return "same";
  if (!latencyWorkerLayouts.includes(value as LatencyWorkerLayout)) throw new Error(`${path} must be one of ${latencyWorkerLayouts.join(", ")}, got ${JSON.stringify(value)}`);
  return value as LatencyWorkerLayout;
}

function objectAt(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${path} must be an object`);
  return value as Record<string, unknown>;
}

function positiveInteger(value: unknown, path: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw new Error(`${path} must be a positive integer, got ${JSON.stringify(value)}`);
  return value as number;
}

function nonNegativeInteger(value: unknown, path: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new Error(`${path} must be an integer ≥ 0, got ${JSON.stringify(value)}`);
  return value as number;
}

/**
 * A generous upper bound on one subject's run: twice the sum of every
 * scenario's time bounds, plus a minute for start-up. A child past it is hung.
 */
export function subjectBudgetMs(plan: BenchPlan): number {
  const runs = plan.warmup + plan.repetitions;
  const throughput = runs * (plan.drain.timeoutMs * (plan.drain.concurrency.length + 1) + plan.payload.timeoutMs * plan.payload.sizes.length);
  // The fixed-rate run and the run at half of the sustained rate, then the search.
  const latency = 2 * (plan.latency.durationMs + plan.latency.graceMs) + (plan.latency.searchRates.length + plan.latency.refineSteps) * (plan.latency.searchDurationMs + plan.latency.graceMs);
  const delayed = plan.delayed.delayMs + plan.delayed.graceMs;
  return 2 * (throughput + latency + delayed + 2 * plan.memory.timeoutMs + plan.idle.settleMs) + 60_000;
}

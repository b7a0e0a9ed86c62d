/**
 * Scale of the reliability scenarios, by profile. `ci` (the default) fits CI on a
 * 2-core machine in a few minutes; `full` (`pnpm test:reliability --profile full`,
 * or HOPPER_PROFILE=full) runs bigger counts and longer loads, outside CI.
 * Variables override either profile:
 *   RELIABILITY_JOBS=10000       jobs per crash scenario (default: per backend and profile)
 *   RELIABILITY_KILLS=40         worker faults (SIGKILL or SIGTERM) per crash scenario
 *   RELIABILITY_LOAD_SECONDS=60  sustained-load time per backend
 *   RELIABILITY_BACKENDS=redis,postgres  run a subset (names as in the report: sqs-fifo, pubsub-ordered-dlq…)
 */
const profile: "ci" | "full" = process.env.HOPPER_PROFILE === "full" ? "full" : "ci";

export const reliabilitySettings = {
  profile,
  jobs: optionalNumber("RELIABILITY_JOBS"),
  workers: optionalNumber("RELIABILITY_WORKERS") ?? 3,
  kills: optionalNumber("RELIABILITY_KILLS") ?? (profile === "full" ? 40 : 12),
  /** How long the producer keeps enqueueing while the faults land. */
  produceMs: profile === "full" ? 40_000 : 8000,
  /** Share of the worker faults that are SIGTERM rather than SIGKILL. */
  sigtermShare: 0.4,
  loadSeconds: optionalNumber("RELIABILITY_LOAD_SECONDS") ?? (profile === "full" ? 60 : 15),
  backends: process.env.RELIABILITY_BACKENDS?.split(",").map((name) => name.trim()),
};

export function selected(name: string): boolean {
  return reliabilitySettings.backends === undefined || reliabilitySettings.backends.includes(name);
}

function optionalNumber(variable: string): number | undefined {
  const text = process.env[variable];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${variable} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return value;
}

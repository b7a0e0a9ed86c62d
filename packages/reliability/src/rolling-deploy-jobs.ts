import { appendFileSync } from "node:fs";
import { Job, type JobContext, type JobClass } from "@hopper/core";

/**
 * One job as three releases of an application would ship it: the same
 * `jobName`, a different args shape per version, and the upgrade steps that
 * take an older payload to the newer shape.
 *   v1 { n, customer: "c-7" }
 *   v2 { n, customer: { id: "c-7" } }
 *   v3 { n, customer: { id: "c-7" }, currency: "EUR" }
 */
export const rollingDeployVersions = [1, 2, 3] as const;
export type RollingDeployVersion = (typeof rollingDeployVersions)[number];

export const rollingDeployJobName = "RollingDeployJob";

type ArgsV1 = { n: number; customer: string };
type ArgsV2 = { n: number; customer: { id: string } };
type ArgsV3 = { n: number; customer: { id: string }; currency: string };

const upgradeSteps = {
  1: ({ n, customer }: ArgsV1): ArgsV2 => ({ n, customer: { id: customer } }),
  2: (args: ArgsV2): ArgsV3 => ({ ...args, currency: "EUR" }),
};

/** The args a producer of `version` enqueues for job number `n`. */
export function rollingDeployArgs(version: RollingDeployVersion, n: number): ArgsV1 | ArgsV2 | ArgsV3 {
  const v1: ArgsV1 = { n, customer: `c-${n}` };
  if (version === 1) return v1;
  const v2 = upgradeSteps[1](v1);
  return version === 2 ? v2 : upgradeSteps[2](v2);
}

/** What is wrong with `args` for the code of `version`, or undefined when it is exactly that version's shape. */
export function shapeViolation(version: RollingDeployVersion, args: unknown): string | undefined {
  if (typeof args !== "object" || args === null || typeof (args as { n?: unknown }).n !== "number") return `not { n: number, … }: ${JSON.stringify(args)}`;
  const own = rollingDeployArgs(version, (args as { n: number }).n);
  // Exactly this version's own payload for n: same keys, same types, same values (key order aside: jsonb reorders).
  return canonical(args) === canonical(own) ? undefined : `version ${version} expects ${canonical(own)}, got ${canonical(args)}`;
}

function canonical(value: unknown): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(",")}}`;
}

/** One line of a worker's events file (JSON): a run, or a hold the worker's logger reported. */
export type RollingDeployEvent =
  | { readonly event: "run"; readonly n: number; readonly jobId: string; readonly attempt: number; readonly at: number; readonly violation?: string }
  | { readonly event: "held"; readonly jobId: string; readonly payloadVersion: number; readonly at: number };

export function appendEvent(eventsFile: string, event: RollingDeployEvent): void {
  appendFileSync(eventsFile, `${JSON.stringify(event)}\n`);
}

/**
 * The job class of one release. Its perform checks that the args have the shape
 * ITS code knows and records a violation otherwise (never throws: a violation
 * must be counted, not retried until it happens to land on another worker).
 */
export function rollingDeployJobClass(version: RollingDeployVersion, queue: string, eventsFile: string | undefined): JobClass {
  const upgrades: Record<number, (previous: any) => unknown> = {};
  for (let from = 1; from < version; from++) upgrades[from] = upgradeSteps[from as 1 | 2];
  return class RollingDeployJob extends Job<unknown> {
    static override jobName = rollingDeployJobName;
    static override queue = queue;
    static override version = version;
    static override upgrades = upgrades;
    async perform(args: unknown, context: JobContext) {
      if (!eventsFile) return;
      const violation = shapeViolation(version, args);
      const n = typeof (args as { n?: unknown })?.n === "number" ? (args as { n: number }).n : -1;
      appendEvent(eventsFile, { event: "run", n, jobId: context.jobId, attempt: context.attempt, at: Date.now(), ...(violation && { violation }) });
    }
  };
}

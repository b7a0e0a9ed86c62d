import type { StandardSchemaV1 } from "@standard-schema/spec";
import { ConfigurationError } from "./errors/configuration-error.js";
import { JobValidationError } from "./errors/job-validation-error.js";
import { PayloadVersionError } from "./errors/payload-version-error.js";
import { UnknownJobError } from "./errors/unknown-job-error.js";
import type { JobClass, PayloadUpgrade } from "./job.js";
import { validateJobName, validatePriority, validateQueueName } from "./names.js";
import { validateRetryOptions } from "./retry-policy.js";
import { validateJobNeeds, type JobNeed } from "./job-needs.js";
import { toTimeoutMilliseconds } from "./job-timeout.js";
import { jobKeyPart, resolveConcurrency, resolveUnique, type ResolvedConcurrency, type ResolvedUnique } from "./coordination/job-coordination-options.js";
import { resolveIteration, type ResolvedIteration } from "./iteration/iteration-options.js";
import { resolveRateLimit, type ResolvedRateLimit } from "./flow-control/rate-limit-options.js";

/** A registered job class with its configuration checked once, at registration. */
export interface JobDefinition {
  readonly name: string;
  readonly jobClass: JobClass;
  readonly queue: string;
  readonly priority: number;
  readonly version: number;
  readonly concurrency?: ResolvedConcurrency;
  readonly unique?: ResolvedUnique;
  /** `static rateLimit`, checked; a queue may override it (FlowControl.limitFor). */
  readonly rateLimit?: ResolvedRateLimit;
  /** Declared by `static requires`; checked against the backend when it opens. */
  readonly requires: readonly JobNeed[];
  /** `static timeout`, checked. */
  readonly timeoutMs?: number;
  /** Set for an IterableJob: its checkpoint and slice options and cursor upgrades. */
  readonly iteration?: ResolvedIteration;
}

export class JobRegistry {
  private readonly definitions = new Map<string, JobDefinition>();

  constructor(jobClasses: readonly JobClass[]) {
    for (const jobClass of jobClasses) this.register(jobClass);
  }

  get names(): string[] {
    return [...this.definitions.keys()];
  }

  get all(): JobDefinition[] {
    return [...this.definitions.values()];
  }

  lookup(name: string): JobDefinition {
    const definition = this.definitions.get(name);
    if (!definition) throw new UnknownJobError({ job: name, known: this.names });
    return definition;
  }

  definitionOf(jobClass: JobClass): JobDefinition {
    const definition = this.definitions.get(jobNameOf(jobClass));
    if (definition?.jobClass !== jobClass) {
      throw new ConfigurationError({ field: "jobs", message: `${jobClass.name} is not registered with this Hopper: pass it in createHopper({ jobs: [...] })` });
    }
    return definition;
  }

  private register(jobClass: JobClass): void {
    if (typeof jobClass !== "function" || typeof jobClass.prototype?.perform !== "function") {
      throw new ConfigurationError({ field: "jobs", message: `${String((jobClass as { name?: string })?.name ?? jobClass)} is not a job class: extend Job and implement perform(args, context)` });
    }
    const name = validateJobName(jobNameOf(jobClass), `${jobClass.name}.jobName`);
    const existing = this.definitions.get(name);
    if (existing && existing.jobClass !== jobClass) {
      throw new ConfigurationError({ field: "jobs", message: `two job classes are named "${name}": give one a different static jobName` });
    }
    const version = jobClass.version;
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new ConfigurationError({ field: `${name}.version`, message: `must be an integer ≥ 1, got ${JSON.stringify(version)}` });
    }
    validateUpgradeChain(name, version, jobClass.upgrades ?? {});
    validateRetryOptions(jobClass.retry, `${name}.retry`);
    if (jobClass.schema !== undefined && typeof jobClass.schema?.["~standard"]?.validate !== "function") {
      throw new ConfigurationError({ field: `${name}.schema`, message: "must be a Standard Schema validator (zod, valibot, arktype …)" });
    }
    const concurrency = resolveConcurrency(jobClass.concurrency, `${name}.concurrency`);
    const unique = resolveUnique(jobClass.unique, `${name}.unique`);
    const rateLimit = resolveRateLimit(jobClass.rateLimit, `${name}.rateLimit`, `job:${jobKeyPart(name)}`);
    const iteration = resolveIteration(jobClass, name, version);
    const timeoutMs = jobClass.timeout === undefined ? undefined : toTimeoutMilliseconds(jobClass.timeout, `${name}.timeout`);
    this.definitions.set(name, {
      name,
      jobClass,
      queue: validateQueueName(jobClass.queue, `${name}.queue`),
      priority: validatePriority(jobClass.priority, `${name}.priority`),
      version,
      requires: validateJobNeeds(jobClass.requires, `${name}.requires`),
      ...(concurrency && { concurrency }),
      ...(unique && { unique }),
      ...(rateLimit && { rateLimit }),
      ...(timeoutMs !== undefined && { timeoutMs }),
      ...(iteration && { iteration }),
    });
  }
}

export function jobNameOf(jobClass: JobClass): string {
  return Object.prototype.hasOwnProperty.call(jobClass, "jobName") && jobClass.jobName ? jobClass.jobName : jobClass.name;
}

/** Every version below the current one needs its step: upgrades[1] takes v1 to v2, and so on. */
function validateUpgradeChain(name: string, version: number, upgrades: Readonly<Record<number, PayloadUpgrade>>): void {
  for (let from = 1; from < version; from++) {
    // An async step gives perform a Promise for args; upgrades run where a payload is read, synchronously.
    if (typeof upgrades[from] === "function" && upgrades[from]!.constructor?.name === "AsyncFunction") {
      throw new ConfigurationError({ field: `${name}.upgrades`, message: `upgrades[${from}] is an async function: a step must return the new args itself, not a Promise` });
    }
    if (typeof upgrades[from] !== "function") {
      throw new ConfigurationError({
        field: `${name}.upgrades`,
        message: `version ${version} needs an upgrade from every earlier version; upgrades[${from}] (version ${from} → ${from + 1}) is missing`,
      });
    }
  }
  for (const key of Object.keys(upgrades)) {
    const from = Number(key);
    if (!Number.isSafeInteger(from) || from < 1 || from >= version) {
      throw new ConfigurationError({
        field: `${name}.upgrades`,
        message: `upgrades[${key}] does not fit version ${version}: keys are the versions 1 to ${version - 1} that each step upgrades from`,
      });
    }
  }
}

/** Brings args stored at `fromVersion` up to the definition's version, one step at a time. */
export function upgradeArgs(definition: JobDefinition, fromVersion: number, args: unknown): unknown {
  if (fromVersion > definition.version) {
    throw new PayloadVersionError({ job: definition.name, payloadVersion: fromVersion, knownVersion: definition.version });
  }
  let upgraded = args;
  for (let from = fromVersion; from < definition.version; from++) {
    try {
      upgraded = definition.jobClass.upgrades[from]!(upgraded);
    } catch (error) {
      throw new PayloadVersionError({
        job: definition.name,
        payloadVersion: fromVersion,
        knownVersion: definition.version,
        message: `${definition.name} upgrades[${from}] (version ${from} → ${from + 1}) threw: ${(error as Error)?.message ?? String(error)}`,
        cause: error,
      });
    }
    if (typeof (upgraded as { then?: unknown } | null)?.then === "function") {
      throw new PayloadVersionError({ job: definition.name, payloadVersion: fromVersion, knownVersion: definition.version, message: `${definition.name} upgrades[${from}] (version ${from} → ${from + 1}) returned a Promise: a step must return the new args itself` });
    }
  }
  return upgraded;
}

/** Runs the job's schema, when it has one; resolves with the validated (possibly transformed) args. */
export async function validateArgs(definition: JobDefinition, args: unknown): Promise<unknown> {
  const schema = definition.jobClass.schema;
  if (!schema) return args;
  const result = await schema["~standard"].validate(args);
  if (result.issues) {
    throw new JobValidationError({ job: definition.name, issues: result.issues.map((issue) => ({ message: issue.message, ...pathOf(issue) })) });
  }
  return result.value;
}

function pathOf(issue: StandardSchemaV1.Issue): { path?: string } {
  if (!issue.path || issue.path.length === 0) return {};
  return { path: issue.path.map((segment) => String(typeof segment === "object" ? segment.key : segment)).join(".") };
}

import { deserializeArgs, serializeArgs, type SerializedArgs } from "../envelope/args-serializer.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { JobValidationError } from "../errors/job-validation-error.js";
import { PayloadVersionError } from "../errors/payload-version-error.js";
import type { JobClass } from "../job.js";
import { JobRegistry, jobNameOf, upgradeArgs, validateArgs, type JobDefinition } from "../job-registry.js";
import { firstShapeDifference } from "./args-shape.js";

/** One stored payload of one job at one version, as it travels (superjson's json + meta). */
export interface PayloadSample {
  readonly job: string;
  readonly version: number;
  readonly args: SerializedArgs;
  /** Where it came from (a file path), for messages. */
  readonly source: string;
}

export type CompatibilityProblem =
  | "invalid-job"
  | "unchecked"
  | "no-sample"
  | "newer-sample"
  | "upgrade-failed"
  | "invalid-after-upgrade"
  | "shape-changed"
  | "unknown-job";

/** One reason a deploy could break payloads already queued. */
export interface CompatibilityFinding {
  readonly job: string;
  readonly version?: number;
  /** The argument's path (`user.email`) or the job's setting (`SendEmail.upgrades`) at fault. */
  readonly field?: string;
  readonly problem: CompatibilityProblem;
  readonly message: string;
}

export interface CompatibilityReport {
  /** Per job: its version, the sample versions found, and the verdict ("unchecked": no schema, allowed). */
  readonly jobs: readonly { readonly job: string; readonly version: number; readonly samples: readonly number[]; readonly status: "ok" | "failing" | "unchecked" }[];
  /** Every failure; empty when the deploy keeps every stored payload runnable. */
  readonly findings: readonly CompatibilityFinding[];
}

export interface CompatibilityOptions {
  /** Jobs (by name) allowed to have no `schema`: reported, not failed. */
  readonly allowUnchecked?: readonly string[];
}

/**
 * What `hopper check` asks before a deploy: does every stored payload of every
 * older version reach a valid payload of the current one through the job's
 * upgrades, and does the current version's payload still have the shape its
 * sample recorded? Pure: the caller reads the samples.
 */
export async function checkPayloadCompatibility(jobClasses: readonly JobClass[], samples: readonly PayloadSample[], options: CompatibilityOptions = {}): Promise<CompatibilityReport> {
  const allowUnchecked = new Set(options.allowUnchecked ?? []);
  // A misspelt or stale name would allow nothing and say so only as the job's own "unchecked" finding.
  const names = new Set(jobClasses.map(jobNameOf));
  const strangers = [...allowUnchecked].filter((name) => !names.has(name));
  if (strangers.length > 0) {
    throw new ConfigurationError({ field: "allowUnchecked", message: `${strangers.map((name) => JSON.stringify(name)).join(", ")} ${strangers.length === 1 ? "is not a job" : "are not jobs"} of the checked classes: allow only these, by name: ${[...names].join(", ") || "(none)"}` });
  }
  const findings: CompatibilityFinding[] = [];
  const jobs: CompatibilityReport["jobs"][number][] = [];
  const known = new Set<string>();
  for (const jobClass of jobClasses) {
    const name = jobNameOf(jobClass);
    known.add(name);
    const own = samples.filter((sample) => sample.job === name).sort((a, b) => a.version - b.version);
    const samplesFound = own.map((sample) => sample.version);
    if (!jobClass.schema && allowUnchecked.has(name)) {
      jobs.push({ job: name, version: jobClass.version, samples: samplesFound, status: "unchecked" });
      continue;
    }
    const jobFindings = await checkJob(jobClass, name, own);
    findings.push(...jobFindings);
    jobs.push({ job: name, version: jobClass.version, samples: samplesFound, status: jobFindings.length === 0 ? "ok" : "failing" });
  }
  for (const job of new Set(samples.map((sample) => sample.job).filter((job) => !known.has(job)))) {
    findings.push({
      job,
      problem: "unknown-job",
      message: `samples exist for ${job}, which the jobs module no longer exports: payloads still queued for it will be dead-lettered; export the job again, or delete its samples once none can be queued`,
    });
  }
  return { jobs, findings };
}

async function checkJob(jobClass: JobClass, name: string, samples: readonly PayloadSample[]): Promise<CompatibilityFinding[]> {
  let definition: JobDefinition;
  try {
    definition = new JobRegistry([jobClass]).lookup(name);
  } catch (error) {
    // A version bump without its upgrade step lands here, named by the registry.
    if (!ConfigurationError.isInstance(error)) throw error;
    return [{ job: name, version: jobClass.version, field: error.field, problem: "invalid-job", message: error.message }];
  }
  if (!jobClass.schema) {
    return [{
      job: name,
      version: definition.version,
      problem: "unchecked",
      message: `${name} has no schema, so no payload of it can be checked: give it a static schema (zod, valibot, arktype …), or allow it with --allow-unchecked ${name}`,
    }];
  }
  const findings: CompatibilityFinding[] = [];
  for (const sample of samples) {
    if (sample.version > definition.version) {
      findings.push({
        job: name,
        version: sample.version,
        problem: "newer-sample",
        message: `${sample.source} is version ${sample.version}, newer than ${name}'s version ${definition.version}: was the version lowered? Workers of this build would hold such payloads back`,
      });
    } else if (sample.version < definition.version) {
      findings.push(...(await checkUpgrade(definition, sample)));
    } else {
      findings.push(...(await checkCurrent(definition, sample, "args changed shape without a version bump")));
    }
  }
  if (!samples.some((sample) => sample.version === definition.version)) {
    findings.push({
      job: name,
      version: definition.version,
      problem: "no-sample",
      message: `no sample of ${name} version ${definition.version}: record one with hopper check --record (from ${name}.exampleArgs) and commit it, so a later change of shape is caught`,
    });
  }
  return findings;
}

async function checkUpgrade(definition: JobDefinition, sample: PayloadSample): Promise<CompatibilityFinding[]> {
  let upgraded: unknown;
  try {
    upgraded = upgradeArgs(definition, sample.version, deserializeArgs(sample.args));
  } catch (error) {
    if (!PayloadVersionError.isInstance(error)) throw error;
    return [{ job: definition.name, version: sample.version, field: `${definition.name}.upgrades`, problem: "upgrade-failed", message: `${sample.source}: ${error.message}` }];
  }
  return validationFindings(definition, sample, upgraded, "invalid-after-upgrade", `upgrading it to version ${definition.version} gives invalid args`);
}

/** The current version's sample must still validate, and still match the example's shape. */
async function checkCurrent(definition: JobDefinition, sample: PayloadSample, what: string): Promise<CompatibilityFinding[]> {
  const findings = await validationFindings(definition, sample, deserializeArgs(sample.args), "shape-changed", `${what}: the sample no longer validates`);
  const example = definition.jobClass.exampleArgs;
  if (findings.length === 0 && example !== undefined) {
    const difference = firstShapeDifference(sample.args.json, serializeArgs(example).json);
    if (difference) {
      findings.push({
        job: definition.name,
        version: sample.version,
        field: difference.path,
        problem: "shape-changed",
        message: `${sample.source}: ${what}: ${difference.description} (raise ${definition.name}.version with an upgrade from ${sample.version}; if the change is compatible, record the sample again with hopper check --record --overwrite)`,
      });
    }
  }
  return findings;
}

async function validationFindings(definition: JobDefinition, sample: PayloadSample, args: unknown, problem: CompatibilityProblem, what: string): Promise<CompatibilityFinding[]> {
  try {
    await validateArgs(definition, args);
    return [];
  } catch (error) {
    if (!JobValidationError.isInstance(error)) throw error;
    return error.issues.map((issue) => ({
      job: definition.name,
      version: sample.version,
      ...(issue.path !== undefined && { field: issue.path }),
      problem,
      message: `${sample.source}: ${what}: ${issue.path ? `${issue.path}: ` : ""}${issue.message}`,
    }));
  }
}

/**
 * The sample `hopper check --record` stores for a job's current version: its
 * `exampleArgs` as they travel, after the schema accepts them.
 */
export async function recordExampleSample(jobClass: JobClass): Promise<Omit<PayloadSample, "source">> {
  const definition = new JobRegistry([jobClass]).lookup(jobNameOf(jobClass));
  if (jobClass.exampleArgs === undefined) {
    throw new ConfigurationError({ field: `${definition.name}.exampleArgs`, message: `is not set: give ${definition.name} static exampleArgs (args typical of version ${definition.version}) to record its sample` });
  }
  await validateArgs(definition, jobClass.exampleArgs);
  return { job: definition.name, version: definition.version, args: serializeArgs(jobClass.exampleArgs) };
}

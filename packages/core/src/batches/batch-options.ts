import { serializeArgs } from "../envelope/args-serializer.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { validateArgs, type JobDefinition, type JobRegistry } from "../job-registry.js";
import type { Job, JobArgs, JobClass } from "../job.js";
import { optionKeysOf, rejectUnknownOptions } from "../option-keys.js";
import type { CallbackKind, StoredBatchOptions } from "./batch-state.js";
import type { StoredCall } from "./workflow-ledger.js";

/** A job and its args: what a callback enqueues. */
export type JobCall<J extends Job<any, any> = Job<any, any>> = readonly [JobClass<J>, JobArgs<J>];

export interface BatchOptions {
  /** Enqueued once, when every job of the batch succeeded (a sealed batch with no jobs: at once). */
  readonly onSuccess?: JobCall;
  /** Enqueued once, when every job of the batch finished: succeeded, failed (discarded or cancelled) or dead. */
  readonly onComplete?: JobCall;
  /** Shown in `status()`. */
  readonly description?: string;
}

const batchOptionKeys = optionKeysOf<BatchOptions>({ onSuccess: true, onComplete: true, description: true });
export const callbackKinds = ["onSuccess", "onComplete"] as const satisfies readonly CallbackKind[];

/** Checks a batch's options at creation: a callback must be a registered job with valid args, so a finisher never meets a bad one. */
export async function resolveBatchOptions(registry: JobRegistry, options: BatchOptions, now: Date): Promise<StoredBatchOptions> {
  if (typeof options !== "object" || options === null) throw new ConfigurationError({ field: "batch", message: "takes { onSuccess?: [Job, args], onComplete?: [Job, args], description? }" });
  rejectUnknownOptions(options, batchOptionKeys, "batch", "batch.");
  if (options.description !== undefined && (typeof options.description !== "string" || options.description.length > 1000)) {
    throw new ConfigurationError({ field: "batch.description", message: "must be a string of at most 1000 characters" });
  }
  const stored: { -readonly [K in keyof StoredBatchOptions]: StoredBatchOptions[K] } = { createdAt: now.toISOString() };
  if (options.description !== undefined) stored.description = options.description;
  for (const kind of callbackKinds) {
    const call = options[kind];
    if (call !== undefined) stored[kind] = await resolveCall(registry, `batch.${kind}`, call);
  }
  return stored;
}

/** A `[JobClass, args]` checked (registered, args valid) and kept as the envelope would carry it. */
export async function resolveCall(registry: JobRegistry, field: string, call: JobCall): Promise<StoredCall> {
  if (!Array.isArray(call) || call.length !== 2) throw new ConfigurationError({ field, message: "must be [JobClass, args], e.g. [NotifyImportDone, { importId }]" });
  const [jobClass, args] = call;
  let definition;
  try {
    definition = registry.definitionOf(jobClass);
  } catch (error) {
    throw new ConfigurationError({ field, message: `${String((jobClass as { name?: string } | undefined)?.name ?? jobClass)} is not registered with this Hopper: pass it in createHopper({ jobs: [...] }) of every process that runs these jobs`, cause: error });
  }
  // A unique job's send is dropped as a duplicate while another with its key is queued, and the workflow would wait
  // for ever on a job that never exists.
  if (definition.unique) throw new ConfigurationError({ field: `${definition.name}.unique`, message: `a unique job cannot be a workflow's callback, step, parent or child (${field}; a duplicate's queued job is not the workflow's): use a job without \`unique\`` });
  try {
    await validateArgs(definition, args);
  } catch (error) {
    throw new ConfigurationError({ field: `${field}[1]`, message: `args do not match ${definition.name}'s schema`, cause: error });
  }
  const serialized = serializeArgs(args);
  return { job: definition.name, args: serialized.json, ...(serialized.meta !== undefined && { argsMeta: serialized.meta }), version: definition.version };
}

/** The definition of a job that may join a batch; refuses what a batch cannot count (`field` names where it came from). */
export function batchMemberDefinition(registry: JobRegistry, jobClass: JobClass, options: unknown, field = "options"): JobDefinition {
  const definition = registry.definitionOf(jobClass);
  if (definition.unique) throw new ConfigurationError({ field: `${definition.name}.unique`, message: "a unique job cannot join a batch (a duplicate's queued job is not the batch's): add it outside the batch" });
  if (typeof options === "object" && options !== null && "dedupeKey" in options) {
    throw new ConfigurationError({ field: `${field}.dedupeKey`, message: "a batch's jobs cannot carry a dedupe key (a duplicate's queued job is not the batch's)" });
  }
  // The batch counts the job as pending before it is sent, outside the caller's transaction: a rollback would leave it
  // pending for ever, and the batch's callbacks would never run.
  if (typeof options === "object" && options !== null && "transaction" in options && (options as { transaction?: unknown }).transaction !== undefined) {
    throw new ConfigurationError({ field: `${field}.transaction`, message: "a batch's or flow's jobs cannot be enqueued in a transaction (a rollback would leave the batch waiting for a job that never exists): add them after the commit, or stage the job that builds the batch in the transaction" });
  }
  return definition;
}

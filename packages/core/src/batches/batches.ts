import { createHash, randomUUID } from "node:crypto";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import { deserializeArgs } from "../envelope/args-serializer.js";
import type { Envelope } from "../envelope/envelope.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { EnqueueFailedError } from "../errors/enqueue-failed-error.js";
import type { JobDefinition, JobRegistry } from "../job-registry.js";
import type { EnqueueOptions, Job, JobArgs, JobClass } from "../job.js";
import { callbackKinds, resolveBatchOptions, type BatchOptions } from "./batch-options.js";
import { BatchState, OPEN_MEMBER, type BatchOutcome, type CallbackKind } from "./batch-state.js";

/** The envelope meta naming a job's batch. */
export const BATCH_META_KEY = "hopper.batch";
/** The envelope meta of a batch's callback job: `<batch id>:<kind>`. */
export const BATCH_CALLBACK_META_KEY = "hopper.batchCallback";

export interface BatchStatus {
  readonly id: string;
  readonly description?: string;
  /** False until `seal()`: until then no callback fires. */
  readonly sealed: boolean;
  /** Jobs added so far. */
  readonly total: number;
  readonly pending: number;
  readonly succeeded: number;
  /** Discarded or cancelled: finished without a dead letter. */
  readonly failed: number;
  /** Dead-lettered. */
  readonly dead: number;
  readonly failedJobIds: readonly string[];
  readonly deadJobIds: readonly string[];
  /** Each callback the batch has: `waiting`, `enqueued` or `succeeded`. */
  readonly callbacks: Readonly<Partial<Record<CallbackKind, "waiting" | "enqueued" | "succeeded">>>;
}

/** A batch: add jobs to it, seal it, read its status. */
export interface Batch {
  readonly id: string;
  add<J extends Job<any, any>>(jobClass: JobClass<J>, args: JobArgs<J>, options?: BatchEnqueueOptions): Promise<string>;
  addAll<J extends Job<any, any>>(jobClass: JobClass<J>, argsList: readonly JobArgs<J>[], options?: BatchEnqueueOptions): Promise<string[]>;
  /**
   * No more jobs from outside: the callbacks fire once every job added so far (and every job they add) finished.
   * Idempotent; call it again after a crash or a rejection, to finish what the first call started.
   */
  seal(): Promise<void>;
  status(): Promise<BatchStatus>;
}

/** A batch's jobs take every enqueue option but `dedupeKey` (a duplicate's first job would not be the batch's). */
export type BatchEnqueueOptions = Omit<EnqueueOptions, "dedupeKey">;

export interface BatchesDependencies {
  /** A store every process shares (the memory one only for a single process). */
  readonly coordination: CoordinationStore;
  readonly registry: JobRegistry;
  /** Sends jobs of one class with these ids and meta (the enqueuer). */
  readonly enqueue: (definition: JobDefinition, argsList: readonly unknown[], options: EnqueueOptions, meta: Readonly<Record<string, string>>, ids: readonly string[]) => Promise<string[]>;
  /** How long a batch's state lives after its last write. */
  readonly keepMs: number;
}

/** `hopper.batches`: look a batch up by id. */
export interface Batches {
  get(batchId: string): Batch;
}

/**
 * Batches over the coordination store (`batch-state.ts`). The worker calls
 * `finished` with a job's outcome before it acks the job, so a crash between
 * the two redelivers the job and the bookkeeping runs again (idempotent). A
 * job outside any batch costs one meta lookup.
 */
export class BatchBook implements Batches {
  constructor(private readonly dependencies: BatchesDependencies) {}

  async create(options: BatchOptions): Promise<Batch> {
    const stored = await resolveBatchOptions(this.dependencies.registry, options, new Date());
    const batch = this.get(randomUUID());
    await this.state(batch.id).create(stored);
    return batch;
  }

  get(batchId: string): Batch {
    if (typeof batchId !== "string" || !/^[0-9a-f-]{36}$/.test(batchId)) throw new ConfigurationError({ field: "batchId", message: "must be a batch id as hopper.batch() returned it" });
    return new BatchHandle(this, batchId);
  }

  /** The batch a running job belongs to, for `ctx.batch`; undefined outside any batch. */
  of(envelope: Envelope): Batch | undefined {
    const batchId = envelope.meta[BATCH_META_KEY];
    return batchId === undefined ? undefined : new BatchHandle(this, batchId);
  }

  /** True when `envelope` is a callback that already succeeded: a repeated copy (one sent twice after a crash) is dropped. */
  async callbackDone(envelope: Envelope): Promise<boolean> {
    const callback = callbackOf(envelope);
    if (!callback) return false;
    return (await this.state(callback.batchId).marks()).has(`succeeded:${callback.kind}`);
  }

  /** Called by the worker before it acks a job that ended: its batch's bookkeeping, or its callback's mark. */
  async finished(envelope: Envelope, outcome: BatchOutcome): Promise<void> {
    const batchId = envelope.meta[BATCH_META_KEY];
    if (batchId !== undefined) return this.finishMember(batchId, envelope.id, outcome);
    const callback = outcome === "succeeded" ? callbackOf(envelope) : undefined;
    if (callback) await this.state(callback.batchId).mark(`succeeded:${callback.kind}`);
  }

  async finishMember(batchId: string, member: string, outcome: BatchOutcome): Promise<void> {
    const state = this.state(batchId);
    if (!(await state.finish(member, outcome))) return;
    const [options, done, marks] = await Promise.all([state.options(), state.done(), state.marks()]);
    if (!options) return; // expired: nothing left to fire
    const allSucceeded = [...done.values()].every((each) => each === "succeeded");
    for (const kind of callbackKinds) {
      const callback = options[kind];
      if (!callback || (kind === "onSuccess" && !allSucceeded) || marks.has(`enqueued:${kind}`)) continue;
      // Only the claim's holder sends; a crash after the claim is finished by the same member's redelivered run.
      if (!(await state.claim(kind, member))) continue;
      const definition = this.dependencies.registry.lookup(callback.job);
      const args = deserializeArgs({ json: callback.args, meta: callback.argsMeta });
      await this.dependencies.enqueue(definition, [args], {}, { [BATCH_CALLBACK_META_KEY]: `${batchId}:${kind}` }, [callbackJobId(batchId, kind)]);
      await state.mark(`enqueued:${kind}`);
    }
  }

  async addAll(batchId: string, jobClass: JobClass, argsList: readonly unknown[], options: BatchEnqueueOptions): Promise<string[]> {
    if (!Array.isArray(argsList)) throw new ConfigurationError({ field: "argsList", message: "addAll takes an array of job arguments" });
    const definition = this.dependencies.registry.definitionOf(jobClass);
    if (definition.unique) throw new ConfigurationError({ field: `${definition.name}.unique`, message: "a unique job cannot join a batch (a duplicate's queued job is not the batch's): add it outside the batch" });
    if (typeof options === "object" && options !== null && "dedupeKey" in options) {
      throw new ConfigurationError({ field: "options.dedupeKey", message: "a batch's jobs cannot carry a dedupe key (a duplicate's queued job is not the batch's)" });
    }
    const ids = argsList.map(() => randomUUID());
    const state = this.state(batchId);
    // Pending before sent: no job can finish before its batch counts it.
    await state.addPending(ids);
    try {
      return await this.dependencies.enqueue(definition, argsList, options, { [BATCH_META_KEY]: batchId }, ids);
    } catch (error) {
      const sent = new Set(EnqueueFailedError.isInstance(error) ? error.enqueuedIds : []);
      await state.dropPending(ids.filter((id) => !sent.has(id))).catch(() => {});
      throw error;
    }
  }

  async status(batchId: string): Promise<BatchStatus> {
    const state = this.state(batchId);
    const [options, pending, done, marks] = await Promise.all([state.options(), state.pending(), state.done(), state.marks()]);
    if (!options) throw new ConfigurationError({ field: "batchId", message: `no batch ${batchId} (never created, or expired)` });
    const ids = (outcome: BatchOutcome) => [...done].filter(([member, each]) => member !== OPEN_MEMBER && each === outcome).map(([member]) => member);
    const failedJobIds = ids("failed");
    const deadJobIds = ids("dead");
    const succeeded = ids("succeeded").length;
    const pendingJobs = pending.filter((member) => member !== OPEN_MEMBER).length;
    const callbacks: Partial<Record<CallbackKind, "waiting" | "enqueued" | "succeeded">> = {};
    for (const kind of callbackKinds) {
      if (options[kind]) callbacks[kind] = marks.has(`succeeded:${kind}`) ? "succeeded" : marks.has(`enqueued:${kind}`) ? "enqueued" : "waiting";
    }
    return {
      id: batchId,
      ...(options.description !== undefined && { description: options.description }),
      sealed: done.has(OPEN_MEMBER),
      total: pendingJobs + succeeded + failedJobIds.length + deadJobIds.length,
      pending: pendingJobs,
      succeeded,
      failed: failedJobIds.length,
      dead: deadJobIds.length,
      failedJobIds,
      deadJobIds,
      callbacks,
    };
  }

  private state(batchId: string): BatchState {
    return new BatchState(this.dependencies.coordination, batchId, this.dependencies.keepMs);
  }
}

class BatchHandle implements Batch {
  constructor(
    private readonly book: BatchBook,
    readonly id: string,
  ) {}

  async add(jobClass: JobClass, args: unknown, options: BatchEnqueueOptions = {}): Promise<string> {
    return (await this.book.addAll(this.id, jobClass, [args], options))[0]!;
  }

  addAll(jobClass: JobClass, argsList: readonly unknown[], options: BatchEnqueueOptions = {}): Promise<string[]> {
    return this.book.addAll(this.id, jobClass, argsList, options);
  }

  seal(): Promise<void> {
    return this.book.finishMember(this.id, OPEN_MEMBER, "succeeded");
  }

  status(): Promise<BatchStatus> {
    return this.book.status(this.id);
  }
}

function callbackOf(envelope: Envelope): { batchId: string; kind: CallbackKind } | undefined {
  const value = envelope.meta[BATCH_CALLBACK_META_KEY];
  if (value === undefined) return undefined;
  const separator = value.lastIndexOf(":");
  const kind = value.slice(separator + 1);
  if (separator < 0 || !(callbackKinds as readonly string[]).includes(kind)) return undefined;
  return { batchId: value.slice(0, separator), kind: kind as CallbackKind };
}

/** The callback's job id, the same for every finisher that sends it: a repeated send is a copy of one job. */
export function callbackJobId(batchId: string, kind: CallbackKind): string {
  const hex = createHash("sha256").update(`${batchId}:${kind}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

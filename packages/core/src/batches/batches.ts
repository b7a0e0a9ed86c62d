import { randomUUID } from "node:crypto";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import type { Envelope } from "../envelope/envelope.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { EnqueueFailedError } from "../errors/enqueue-failed-error.js";
import type { JobDefinition, JobRegistry } from "../job-registry.js";
import type { EnqueueOptions, Job, JobArgs, JobClass } from "../job.js";
import { batchMemberDefinition, callbackKinds, resolveBatchOptions, type BatchOptions } from "./batch-options.js";
import { BatchState, batchOptionsOf, OPEN_MEMBER, type BatchOutcome, type CallbackKind, type StoredBatchOptions } from "./batch-state.js";
import { sentOnceOf, WorkflowLedger, type EnqueueWithIds } from "./workflow-ledger.js";
import { ChainBook } from "./chains.js";
import { FlowBook, type FlowsDependencies } from "./flows.js";

/** The envelope meta naming a job's batch. */
export const BATCH_META_KEY = "hopper.batch";

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

export interface BatchesDependencies extends Omit<FlowsDependencies, "registry"> {
  /** A store every process shares (the memory one only for a single process). */
  readonly coordination: CoordinationStore;
  readonly registry: JobRegistry;
  /** Sends jobs of one class with these ids and meta (the enqueuer). */
  readonly enqueue: EnqueueWithIds;
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
  /** Chains: their steps are sent by the same ledger, and finished here too. */
  readonly chains: ChainBook;
  /** Flows: batches whose `onSuccess` is the parent, reading its children's results. */
  readonly flows: FlowBook;

  constructor(private readonly dependencies: BatchesDependencies) {
    this.chains = new ChainBook(dependencies);
    this.flows = new FlowBook(this, dependencies);
  }

  async create(options: BatchOptions): Promise<Batch> {
    return this.open(await resolveBatchOptions(this.dependencies.registry, options, new Date()), randomUUID());
  }

  /** Writes a new batch's options (checked already) and holds it open until `seal()`. */
  async open(stored: StoredBatchOptions, batchId: string): Promise<Batch> {
    const batch = this.get(batchId);
    await this.state(batch.id).create(stored);
    return batch;
  }

  get(batchId: string): Batch {
    if (typeof batchId !== "string" || !workflowId.test(batchId)) throw new ConfigurationError({ field: "batchId", message: "must be a batch id as hopper.batch() returned it" });
    return new BatchHandle(this, batchId);
  }

  /** The batch a running job belongs to, for `ctx.batch`; undefined outside any batch. */
  of(envelope: Envelope): Batch | undefined {
    const batchId = batchIdOf(envelope);
    return batchId === undefined ? undefined : new BatchHandle(this, batchId);
  }

  /** True when `envelope` is a job a workflow sent (a callback) that already succeeded: a repeated copy is dropped. */
  async sentAndSucceeded(envelope: Envelope): Promise<boolean> {
    const sent = sentOnceOf(envelope.meta);
    if (!sent) return false;
    return (await this.ledger(sent.scope).read()).has(`succeeded:${sent.name}`);
  }

  /** Called by the worker before it acks a job that ended: its batch's bookkeeping, or the mark of a job a workflow sent. */
  async finished(envelope: Envelope, outcome: BatchOutcome): Promise<void> {
    const batchId = batchIdOf(envelope);
    // `#open` is the seal's member: no body may pass for it.
    if (batchId !== undefined && envelope.id !== OPEN_MEMBER) await this.finishMember(batchId, envelope.id, outcome);
    const sent = sentOnceOf(envelope.meta);
    if (!sent) return;
    if (outcome === "succeeded") await this.ledger(sent.scope).write(`succeeded:${sent.name}`, new Date().toISOString());
    await this.chains.stepFinished(sent.scope, sent.name, outcome, envelope.id);
  }

  async finishMember(batchId: string, member: string, outcome: BatchOutcome): Promise<void> {
    const state = this.state(batchId);
    if (!(await state.finish(member, outcome))) return;
    const [info, done] = await Promise.all([state.ledger.read(), state.done()]);
    const options = batchOptionsOf(info);
    if (!options) return; // expired: nothing left to fire
    const allSucceeded = [...done.values()].every((each) => each === "succeeded");
    for (const kind of callbackKinds) {
      const callback = options[kind];
      if (callback && (kind === "onComplete" || allSucceeded)) await state.ledger.sendOnce(info, kind, member, callback, this.dependencies);
    }
  }

  async addAll(batchId: string, jobClass: JobClass, argsList: readonly unknown[], options: BatchEnqueueOptions): Promise<string[]> {
    if (!Array.isArray(argsList)) throw new ConfigurationError({ field: "argsList", message: "addAll takes an array of job arguments" });
    const definition = batchMemberDefinition(this.dependencies.registry, jobClass, options);
    return this.addMembers(batchId, definition, argsList, options, {}, argsList.map(() => randomUUID()));
  }

  /** Sends jobs as members of the batch, with these ids and extra meta (a flow's children carry their parent's id). */
  async addMembers(batchId: string, definition: JobDefinition, argsList: readonly unknown[], options: BatchEnqueueOptions, meta: Readonly<Record<string, string>>, ids: readonly string[]): Promise<string[]> {
    const state = this.state(batchId);
    // Pending before sent: no job can finish before its batch counts it.
    await state.addPending(ids);
    try {
      return await this.dependencies.enqueue(definition, argsList, options, { ...meta, [BATCH_META_KEY]: batchId }, ids);
    } catch (error) {
      const sent = new Set(EnqueueFailedError.isInstance(error) ? error.enqueuedIds : []);
      await state.dropPending(ids.filter((id) => !sent.has(id))).catch(() => {});
      throw error;
    }
  }

  async status(batchId: string): Promise<BatchStatus> {
    const state = this.state(batchId);
    const [info, pending, done] = await Promise.all([state.ledger.read(), state.pending(), state.done()]);
    const options = batchOptionsOf(info);
    if (!options) throw new ConfigurationError({ field: "batchId", message: `no batch ${batchId} (never created, or expired)` });
    const ids = (outcome: BatchOutcome) => [...done].filter(([member, each]) => member !== OPEN_MEMBER && each === outcome).map(([member]) => member);
    const failedJobIds = ids("failed");
    const deadJobIds = ids("dead");
    const succeeded = ids("succeeded").length;
    const pendingJobs = pending.filter((member) => member !== OPEN_MEMBER).length;
    const callbacks: Partial<Record<CallbackKind, "waiting" | "enqueued" | "succeeded">> = {};
    for (const kind of callbackKinds) {
      if (options[kind]) callbacks[kind] = info.has(`succeeded:${kind}`) ? "succeeded" : info.has(`enqueued:${kind}`) ? "enqueued" : "waiting";
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

  state(batchId: string): BatchState {
    return new BatchState(this.dependencies.coordination, batchId, this.dependencies.keepMs);
  }

  private ledger(scope: string): WorkflowLedger {
    return new WorkflowLedger(this.dependencies.coordination, scope, this.dependencies.keepMs);
  }
}

class BatchHandle implements Batch {
  /** This handle sealed the batch: adding from it now could come after its callbacks fired. */
  #sealed = false;

  constructor(
    private readonly book: BatchBook,
    readonly id: string,
  ) {}

  async add(jobClass: JobClass, args: unknown, options: BatchEnqueueOptions = {}): Promise<string> {
    return (await this.addAll(jobClass, [args], options))[0]!;
  }

  async addAll(jobClass: JobClass, argsList: readonly unknown[], options: BatchEnqueueOptions = {}): Promise<string[]> {
    if (this.#sealed) throw new ConfigurationError({ field: "batch", message: `batch ${this.id} is sealed: add its jobs before seal(), or from its running jobs (ctx.batch)` });
    return this.book.addAll(this.id, jobClass, argsList, options);
  }

  seal(): Promise<void> {
    this.#sealed = true;
    return this.book.finishMember(this.id, OPEN_MEMBER, "succeeded");
  }

  status(): Promise<BatchStatus> {
    return this.book.status(this.id);
  }
}

const workflowId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The batch id a body names, when it is one: the body is input and must not choose other keys of the store. */
function batchIdOf(envelope: Envelope): string | undefined {
  const batchId = envelope.meta[BATCH_META_KEY];
  return batchId !== undefined && workflowId.test(batchId) ? batchId : undefined;
}

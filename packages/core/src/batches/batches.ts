import { randomUUID } from "node:crypto";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import type { Logger } from "../logger.js";
import type { Envelope } from "../envelope/envelope.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { EnqueueFailedError } from "../errors/enqueue-failed-error.js";
import type { JobDefinition, JobRegistry } from "../job-registry.js";
import type { EnqueueOptions, Job, JobArgs, JobClass } from "../job.js";
import { batchMemberDefinition, callbackKinds, resolveBatchOptions, type BatchOptions } from "./batch-options.js";
import { BatchState, batchOptionsOf, OPEN_MEMBER, type BatchOutcome, type CallbackKind, type StoredBatchOptions } from "./batch-state.js";
import { sentOnceOf, WorkflowLedger, type EnqueueWithIds } from "./workflow-ledger.js";
import { ChainBook } from "./chains.js";
import { addedJobId, BATCH_PARENT_META_KEY, childBatchId, childDepth, childIdOf, childJobId, childMember, childOutcome, rolledUp } from "./batch-nesting.js";
import { FlowBook, type FlowsDependencies } from "./flows.js";
import { resolveOptions } from "../enqueuer.js";
import { WorkflowHolds } from "./workflow-holds.js";
import { takeRunClaim, type RunClaim, type RunClaimTaken } from "./run-claim.js";

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
  /** Each callback the batch has: `waiting`, `enqueued`, `succeeded`, or `unsendable` (over the backend's payload limit). */
  readonly callbacks: Readonly<Partial<Record<CallbackKind, CallbackState>>>;
  /** The parent batch of a child batch (`ctx.batch.child()`). */
  readonly parent?: string;
  /** 1 for a root batch, one more per level of nesting. */
  readonly depth: number;
  /**
   * The child batches made by this batch's jobs, and how many of them ended how: `pending` until a child and its
   * callbacks ended; `succeeded` when every job of its tree and each of its callbacks succeeded; else `dead` when
   * one below it is dead, else `failed`. Their jobs are not in this batch's job counts: read a child's own status.
   */
  readonly children: { readonly ids: readonly string[]; readonly pending: number; readonly succeeded: number; readonly failed: number; readonly dead: number };
}

/** `unsendable`: its payload is over the backend's limit, so it was never sent (logged as an error). */
export type CallbackState = "waiting" | "enqueued" | "succeeded" | "unsendable";

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

/** `ctx.batch`: the batch of a running job, which can also make child batches. */
export interface RunningBatch extends Batch {
  /**
   * A child batch of this one: it counts as pending work of this batch until it ended and each of its callbacks
   * that became due ended; this batch's `onSuccess` needs every job of the whole tree (and the child's callbacks)
   * to have succeeded. Add the child's jobs through the handle returned and `seal()` it, as any batch: an unsealed
   * child holds its parent open. The n-th child a job makes has the same id on every run of that job, so a job run
   * twice makes it once and adds the same jobs to it (make children and add their jobs in the same order on every run).
   * Refused (ConfigurationError, field `batch.child`) past 5 levels and in a batch that already finished.
   */
  child(options?: BatchOptions): Promise<Batch>;
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
  /** Where a callback that can never be sent is reported. */
  readonly logger: Logger;
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

  /** Holds every running batch's and chain's entries (`workflow-holds.ts`), one refresh per key per process. */
  readonly #holds: WorkflowHolds;

  constructor(private readonly dependencies: BatchesDependencies) {
    this.#holds = new WorkflowHolds(dependencies.coordination, dependencies.keepMs);
    this.chains = new ChainBook(dependencies, this.#holds);
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

  /**
   * The batch a running job belongs to, for `ctx.batch`; undefined outside any batch. `position`: an iterable job's
   * place in its iteration (see RunningBatchHandle).
   */
  of(envelope: Envelope, position?: () => number): RunningBatch | undefined {
    const batchId = batchIdOf(envelope);
    return batchId === undefined ? undefined : new RunningBatchHandle(this, batchId, envelope.id, position);
  }

  /**
   * The `sequence`-th child batch the job `creatorJobId` makes in `parentId`. Made once: a second run of the
   * creator finds it (its options exist, and `create` wrote `#open` before them) and gets a handle that skips
   * the jobs already finished. The parent's member is written before the child, so no crash leaves a child
   * its parent does not wait for; the creator is pending in the parent meanwhile, so the parent cannot end first.
   */
  async createChild(parentId: string, creatorJobId: string, sequence: number | string, options: BatchOptions): Promise<Batch> {
    const stored = await resolveBatchOptions(this.dependencies.registry, options, new Date());
    const childId = childBatchId(parentId, creatorJobId, sequence);
    const parent = this.state(parentId);
    const child = this.state(childId);
    const [parentInfo, childInfo, parentPending] = await Promise.all([parent.ledger.read(), child.ledger.read(), parent.pending()]);
    if (batchOptionsOf(childInfo)) return new BatchHandle(this, childId, { replay: true });
    const parentOptions = batchOptionsOf(parentInfo);
    if (!parentOptions) throw new ConfigurationError({ field: "batch.child", message: `no batch ${parentId} (expired): a child batch needs its parent` });
    const depth = childDepth(parentId, parentOptions);
    if (parentPending.length === 0) {
      throw new ConfigurationError({ field: "batch.child", message: `batch ${parentId} has finished (its callbacks are sent): a child made now would never be waited for; make it from a job of a batch that is still running` });
    }
    await parent.addPending([childMember(childId)]);
    await child.create({ ...stored, parent: parentId, depth });
    return new BatchHandle(this, childId, { replay: false });
  }

  /**
   * One copy at a time of a job a workflow sent (a callback, a chain's step): its run claim (`run-claim.ts`), fenced,
   * renewed while held, expiring a lease after its holder died; `held` while another copy holds it, `committed` once
   * a copy succeeded.
   */
  async runAlone(envelope: Envelope, leaseMs: number, logger: Logger): Promise<RunClaimTaken> {
    const sent = sentOnceOf(envelope.meta);
    if (!sent) return { claim: unfencedClaim };
    const { coordination, keepMs } = this.dependencies;
    return takeRunClaim({ store: coordination, scope: sent.scope, name: sent.name, jobId: envelope.id, leaseMs, keepMs, logger });
  }

  /** True when `envelope` is a job a workflow sent (a callback) that already succeeded: a repeated copy is dropped. */
  async sentAndSucceeded(envelope: Envelope): Promise<boolean> {
    const sent = sentOnceOf(envelope.meta);
    if (!sent) return false;
    return (await this.ledger(sent.scope).read()).has(`succeeded:${sent.name}`);
  }

  /**
   * Called by the worker before it acks a job that ended: its batch's bookkeeping, or the mark of a job a workflow
   * sent. `claim`: the run claim of the copy that ran (absent for a copy that found the job committed, which finishes
   * what the committing copy owed). False when the claim's fence refused this copy's end: another copy took the claim
   * after this one's lapsed, or one committed; then nothing of the job's bookkeeping was done here.
   */
  async finished(envelope: Envelope, outcome: BatchOutcome, claim?: RunClaim): Promise<boolean> {
    const batchId = batchIdOf(envelope);
    // `#open` and `#batch:<child>` are not jobs: no body may pass for them.
    if (batchId !== undefined && !envelope.id.startsWith("#")) await this.finishMember(batchId, envelope.id, outcome);
    const sent = sentOnceOf(envelope.meta);
    if (!sent) return true;
    // A success commits the claim here, first: of two copies that ran at once one success counts, the latest
    // holder's. A copy that finds it committed (a crash after this commit) runs the rest below again before its ack.
    if (claim && !(await claim.settle(outcome))) return false;
    // A child batch's callback ended: the child may now end in its parent. Before the `succeeded` mark, which drops
    // a later copy of this callback unrun: a crash in between must leave a copy that runs this bookkeeping again.
    if (envelope.meta[BATCH_PARENT_META_KEY] !== undefined && sent.scope.startsWith(batchPrefix)) {
      await this.ledger(sent.scope).write(`ended:${sent.name}`, outcome);
      await this.reportToParent(sent.scope.slice(batchPrefix.length), envelope.id);
    }
    // A chain's next step is sent before the mark too: a crash between a mark written first and the send would drop
    // every copy of this step unrun, and the chain would never go on.
    await this.chains.stepFinished(sent.scope, sent.name, outcome, envelope.id);
    // Last: the mark status() reads, and workers of the previous release drop a copy by (they know no commit).
    if (outcome === "succeeded") await this.ledger(sent.scope).write(`succeeded:${sent.name}`, new Date().toISOString());
    return true;
  }

  /**
   * `holder` claims the callbacks when this member is the last: the member itself, or for a child batch the one
   * whose end ended the child (its last member or one of its callbacks), so two of those reporting at once get one claim.
   */
  async finishMember(batchId: string, member: string, outcome: BatchOutcome, holder = member): Promise<void> {
    const state = this.state(batchId);
    if (!(await state.finish(member, outcome))) return;
    const [info, done] = await Promise.all([state.ledger.read(), state.done()]);
    const options = batchOptionsOf(info);
    if (!options) return; // expired: nothing left to fire
    const tree = rolledUp(done.values());
    // A child's rolled-up outcome first, so each callback that ends finds it (`childOutcome`).
    if (options.parent) await state.ledger.write("tree", tree);
    const meta: Record<string, string> = options.parent ? { [BATCH_PARENT_META_KEY]: options.parent } : {};
    for (const kind of callbackKinds) {
      const callback = options[kind];
      if (!callback || (kind !== "onComplete" && tree !== "succeeded")) continue;
      // A callback that can never be sent ends dead, so a child batch's parent is not held open by it.
      if ((await state.ledger.sendOnce(info, kind, holder, callback, this.dependencies, meta)) === "unsendable" && options.parent) await state.ledger.write(`ended:${kind}`, "dead");
    }
    if (options.parent) await this.reportToParent(batchId, holder);
  }

  /** A child batch whose tree and due callbacks all ended ends in its parent, as its member `#batch:<id>` (idempotent). */
  private async reportToParent(childId: string, reporter: string): Promise<void> {
    const info = await this.state(childId).ledger.read();
    const options = batchOptionsOf(info);
    const outcome = options?.parent === undefined ? undefined : childOutcome(options, info);
    if (outcome !== undefined) await this.finishMember(options!.parent!, childMember(childId), outcome, `${childMember(childId)}|${reporter}`);
  }

  /** Adds jobs with these ids; `skipFinished`: leaves out the ids that already finished (a child's creator run again). */
  async addAll(batchId: string, jobClass: JobClass, argsList: readonly unknown[], options: BatchEnqueueOptions, ids: readonly string[], skipFinished: boolean): Promise<string[]> {
    const definition = batchMemberDefinition(this.dependencies.registry, jobClass, options);
    if (!skipFinished) return this.addMembers(batchId, definition, argsList, options, {}, ids);
    const done = await this.state(batchId).done();
    const left = ids.flatMap((id, index) => (done.has(id) ? [] : [index]));
    if (left.length > 0) await this.addMembers(batchId, definition, left.map((index) => argsList[index]), options, {}, left.map((index) => ids[index]!));
    return [...ids];
  }

  /** Sends jobs as members of the batch, with these ids and extra meta (a flow's children carry their parent's id). */
  async addMembers(batchId: string, definition: JobDefinition, argsList: readonly unknown[], options: BatchEnqueueOptions, meta: Readonly<Record<string, string>>, ids: readonly string[]): Promise<string[]> {
    const state = this.state(batchId);
    // Pending before sent: no job can finish before its batch counts it. Held until the last of them runs.
    await state.addPending(ids, resolveOptions(definition, options).delayMs);
    try {
      return await this.dependencies.enqueue(definition, argsList, options, { ...meta, [BATCH_META_KEY]: batchId }, ids);
    } catch (error) {
      const sent = new Set(EnqueueFailedError.isInstance(error) ? error.enqueuedIds : []);
      await state.dropPending(ids.filter((id) => !sent.has(id))).catch(() => {});
      throw error;
    }
  }

  /** Written before `#open` ends, so a handle in any process refuses adds from then on (batches sealed earlier have none). */
  async markSealed(batchId: string): Promise<void> {
    await this.state(batchId).ledger.write(SEALED_MARK, new Date().toISOString());
  }

  /** True once the batch was sealed, or when it has no options (expired, or never made): no job may join it from outside. */
  async sealedOrGone(batchId: string): Promise<boolean> {
    const info = await this.state(batchId).ledger.read();
    return info.has(SEALED_MARK) || batchOptionsOf(info) === undefined;
  }

  async status(batchId: string): Promise<BatchStatus> {
    const state = this.state(batchId);
    const [info, pending, done] = await Promise.all([state.ledger.read(), state.pending(), state.done()]);
    const options = batchOptionsOf(info);
    if (!options) throw new ConfigurationError({ field: "batchId", message: `no batch ${batchId} (never created, or expired)` });
    // Jobs are the members without a `#` (`#open`, `#batch:<child>`); one written to done and not yet out of pending is done.
    const ids = (outcome: BatchOutcome) => [...done].filter(([member, each]) => !member.startsWith("#") && each === outcome).map(([member]) => member);
    const failedJobIds = ids("failed");
    const deadJobIds = ids("dead");
    const succeeded = ids("succeeded").length;
    const pendingJobs = pending.filter((member) => !member.startsWith("#") && !done.has(member)).length;
    const childOutcomes = [...done].flatMap(([member, each]) => (childIdOf(member) === undefined ? [] : [each]));
    const pendingChildren = pending.filter((member) => childIdOf(member) !== undefined && !done.has(member));
    const children = {
      ids: [...new Set([...pendingChildren, ...done.keys()].flatMap((member) => childIdOf(member) ?? []))],
      pending: pendingChildren.length,
      succeeded: childOutcomes.filter((each) => each === "succeeded").length,
      failed: childOutcomes.filter((each) => each === "failed").length,
      dead: childOutcomes.filter((each) => each === "dead").length,
    };
    const callbacks: Partial<Record<CallbackKind, CallbackState>> = {};
    for (const kind of callbackKinds) {
      if (options[kind]) callbacks[kind] = info.has(`succeeded:${kind}`) ? "succeeded" : info.has(`enqueued:${kind}`) ? "enqueued" : info.has(`unsendable:${kind}`) ? "unsendable" : "waiting";
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
      ...(options.parent !== undefined && { parent: options.parent }),
      depth: options.depth ?? 1,
      children,
    };
  }

  state(batchId: string): BatchState {
    return new BatchState(this.dependencies.coordination, batchId, this.dependencies.keepMs, this.#holds);
  }

  private ledger(scope: string): WorkflowLedger {
    return new WorkflowLedger(this.dependencies.coordination, scope, this.dependencies.keepMs, this.#holds);
  }
}

class BatchHandle implements Batch {
  /** This handle sealed the batch: adding from it now could come after its callbacks fired. */
  #sealed = false;
  /** How many jobs this handle of a child batch added: its jobs' ids are derived from the count. */
  #added = 0;

  constructor(
    protected readonly book: BatchBook,
    readonly id: string,
    /** A child batch's handle: derived job ids; `replay`: the child existed already (its creator runs again). */
    private readonly nested?: { readonly replay: boolean },
  ) {}

  async add(jobClass: JobClass, args: unknown, options: BatchEnqueueOptions = {}): Promise<string> {
    return (await this.addAll(jobClass, [args], options))[0]!;
  }

  async addAll(jobClass: JobClass, argsList: readonly unknown[], options: BatchEnqueueOptions = {}): Promise<string[]> {
    if (!Array.isArray(argsList)) throw new ConfigurationError({ field: "argsList", message: "addAll takes an array of job arguments" });
    // This handle sealed it, or any did (`hopper.batches.get(id)` in another process): a job added now could come after
    // its callbacks. A child batch's handle adds the same derived ids on every run of its creator, which must go on.
    if (this.#sealed || (!this.nested && (await this.book.sealedOrGone(this.id)))) throw new ConfigurationError({ field: "batch", message: `batch ${this.id} is sealed (or expired): add its jobs before seal(), or from its running jobs (ctx.batch)` });
    const ids = argsList.map(() => (this.nested ? childJobId(this.id, this.#added++) : randomUUID()));
    return this.book.addAll(this.id, jobClass, argsList, options, ids, this.nested?.replay ?? false);
  }

  async seal(): Promise<void> {
    this.#sealed = true;
    await this.book.markSealed(this.id);
    await this.book.finishMember(this.id, OPEN_MEMBER, "succeeded");
  }

  status(): Promise<BatchStatus> {
    return this.book.status(this.id);
  }
}

/**
 * `ctx.batch`: the n-th job added (or child made) by a run has the same id on every run of the job, so a run again
 * (redelivered, retried) adds nothing twice. An iterable job resumes mid-way, so its counts restart at each item or
 * step: its adds are named by the iteration's position (`seq`, the same whenever that item runs) and their count
 * there. Counting from the run's start made a later slice's adds take the ids of the first slice's, finished, and
 * those jobs were never sent.
 */
class RunningBatchHandle extends BatchHandle implements RunningBatch {
  /** Child batches made and jobs added, by iteration position (or "run" outside an iteration). */
  readonly #counts = new Map<string, { children: number; added: number }>();

  constructor(
    book: BatchBook,
    id: string,
    private readonly creatorJobId: string,
    private readonly position?: () => number,
  ) {
    super(book, id);
  }

  /** The next number under the current position: a plain count outside an iteration (the ids runs made before). */
  #next(kind: "children" | "added"): number | string {
    const at = this.position === undefined ? "run" : String(this.position());
    let counts = this.#counts.get(at);
    if (counts === undefined) this.#counts.set(at, (counts = { children: 0, added: 0 }));
    const n = counts[kind]++;
    return this.position === undefined ? n : `${at}.${n}`;
  }

  child(options: BatchOptions = {}): Promise<Batch> {
    return this.book.createChild(this.id, this.creatorJobId, this.#next("children"), options);
  }

  override async addAll(jobClass: JobClass, argsList: readonly unknown[], options: BatchEnqueueOptions = {}): Promise<string[]> {
    if (!Array.isArray(argsList)) throw new ConfigurationError({ field: "argsList", message: "addAll takes an array of job arguments" });
    const ids = argsList.map(() => addedJobId(this.id, this.creatorJobId, this.#next("added")));
    // A run again (redelivered, retried) adds the same ids: those already finished are left out, the rest sent again.
    return this.book.addAll(this.id, jobClass, argsList, options, ids, true);
  }
}

const batchPrefix = "hopper:batch:";
/** The ledger mark `seal()` writes. */
const SEALED_MARK = "sealed";
/** The claim of a body whose meta names no workflow scope: nothing to hold, nothing to fence. */
const unfencedClaim: RunClaim = { token: 0, settle: async () => true, release: async () => {} };
const workflowId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The batch id a body names, when it is one: the body is input and must not choose other keys of the store. */
function batchIdOf(envelope: Envelope): string | undefined {
  const batchId = envelope.meta[BATCH_META_KEY];
  return batchId !== undefined && workflowId.test(batchId) ? batchId : undefined;
}

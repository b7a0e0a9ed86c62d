import { ConfigurationError } from "../errors/configuration-error.js";
import { callbackKinds } from "./batch-options.js";
import { batchScope, type BatchOutcome, type CallbackKind, type StoredBatchOptions } from "./batch-state.js";
import { derivedJobId } from "./workflow-ledger.js";

/**
 * Nested batches: a batch made by a running job of another batch
 * (`ctx.batch.child()`) is that batch's child. The child is a member of its
 * parent, `#batch:<child id>`, pending until the child ended and each of its
 * callbacks that became due ended too; its outcome is the child's whole tree
 * rolled up (`succeeded` only when every job, grandchild and callback below
 * succeeded). No store primitive beyond the batches' own.
 */

/** A root batch is depth 1; a child one deeper than its parent. Deeper is refused at creation. */
export const MAX_BATCH_DEPTH = 5;

/** The envelope meta of a child batch's callback, naming the parent: its end may end the child in the parent. */
export const BATCH_PARENT_META_KEY = "hopper.batchParent";

const childPrefix = "#batch:";

/** A child batch's member in its parent: never a job id (ids have no `#`). */
export const childMember = (childId: string) => `${childPrefix}${childId}`;

/** The child batch id a member names, or undefined for a job (or `#open`). */
export const childIdOf = (member: string) => (member.startsWith(childPrefix) ? member.slice(childPrefix.length) : undefined);

/**
 * The id of the `sequence`-th child batch the job `creatorJobId` makes in `parentId`: the same on every run of
 * that job, so a job run twice (a redelivery, a retry, a duplicate) makes its child once.
 */
export const childBatchId = (parentId: string, creatorJobId: string, sequence: number | string) => derivedJobId(batchScope(parentId), `child:${creatorJobId}:${sequence}`);

/** The id of the `index`-th job added to a child batch through its handle: a rerun of its creator adds the same jobs. */
export const childJobId = (childId: string, index: number) => derivedJobId(batchScope(childId), `job:${index}`);
/**
 * The id of the n-th job a running job adds to its own batch (`ctx.batch.add`): the same on every run of that job, so
 * a run killed between counting the job pending and sending it is completed by the next run, not left pending for good.
 */
export const addedJobId = (batchId: string, adderJobId: string, index: number | string) => derivedJobId(batchScope(batchId), `added:${adderJobId}:${index}`);

/** Every member's outcome rolled up: `succeeded` only when all succeeded; `dead` when any is dead. */
export function rolledUp(outcomes: Iterable<BatchOutcome>): BatchOutcome {
  let rolled: BatchOutcome = "succeeded";
  for (const outcome of outcomes) {
    if (outcome === "dead") return "dead";
    if (outcome === "failed") rolled = "failed";
  }
  return rolled;
}

/**
 * The outcome a child batch reports to its parent once its tree (`tree`, written when its last member ended)
 * and each callback due by it ended; undefined while one is still to end.
 */
export function childOutcome(options: StoredBatchOptions, info: ReadonlyMap<string, string>): BatchOutcome | undefined {
  const tree = info.get("tree") as BatchOutcome | undefined;
  if (tree === undefined) return undefined;
  const due = callbackKinds.filter((kind: CallbackKind) => options[kind] !== undefined && (kind === "onComplete" || tree === "succeeded"));
  const ended: BatchOutcome[] = [tree];
  for (const kind of due) {
    const outcome = info.get(`ended:${kind}`) as BatchOutcome | undefined;
    if (outcome === undefined) return undefined;
    ended.push(outcome);
  }
  return rolledUp(ended);
}

/** The depth a child of a batch with `parent`'s options gets; refuses past the bound. */
export function childDepth(parentId: string, parent: StoredBatchOptions): number {
  const depth = (parent.depth ?? 1) + 1;
  if (depth > MAX_BATCH_DEPTH) {
    throw new ConfigurationError({
      field: "batch.child",
      message: `batch ${parentId} is at depth ${depth - 1}, and batches nest at most ${MAX_BATCH_DEPTH} deep (a root batch is depth 1): add these jobs to ctx.batch itself, or start a separate batch with hopper.batch()`,
    });
  }
  return depth;
}

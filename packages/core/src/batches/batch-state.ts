import type { CoordinationStore } from "../coordination/coordination-store.js";
import { WorkflowLedger, type StoredCall } from "./workflow-ledger.js";
import type { WorkflowHolds } from "./workflow-holds.js";

/**
 * A batch's members, as entries in the coordination store (no new primitive:
 * an entry per member is an atomic, idempotent set-add, and a store every
 * process shares already holds them). Beside its ledger (options, callback
 * marks and claims: `workflow-ledger.ts`):
 *
 * - `…:pending` one entry per member not finished yet: each job id, and
 *                `#open` until the batch is sealed, and `#batch:<id>` per child batch
 *                until the child and its callbacks ended (`batch-nesting.ts`).
 * - `…:done`    one entry per finished member: its outcome.
 *
 * A member is written to `done` before it leaves `pending`, so a finisher that
 * reads `pending` empty knows every member's outcome is in `done`. Each
 * finish is idempotent: a job run twice, or re-run after a crash in the middle,
 * writes the same entries again; a success stays, whatever a later copy's end
 * (a duplicate delivery discarded after the first copy succeeded).
 *
 * Every write holds the batch's keys (`workflow-holds.ts`), and its parent's
 * up the tree: nothing of a running batch expires before `keepMs` after its
 * last write, and a member added with a delay is held until it runs.
 */
export type BatchOutcome = "succeeded" | "failed" | "dead";
export type CallbackKind = "onSuccess" | "onComplete";

/** The member that keeps a batch open until `seal()`; never a job id (ids have no `#`). */
export const OPEN_MEMBER = "#open";

export interface StoredBatchOptions {
  readonly description?: string;
  readonly createdAt: string;
  readonly onSuccess?: StoredCall;
  readonly onComplete?: StoredCall;
  /** A flow's children, in the order given: the batch's members whose results its parent (`onSuccess`) reads. */
  readonly children?: readonly StoredFlowChild[];
  /** A child batch's parent (`ctx.batch.child()`); absent for a root batch. */
  readonly parent?: string;
  /** 1 for a root batch (absent), one more per level of nesting. */
  readonly depth?: number;
}

export interface StoredFlowChild {
  readonly jobId: string;
  readonly job: string;
}

export const batchScope = (batchId: string) => `hopper:batch:${batchId}`;

export class BatchState {
  readonly ledger: WorkflowLedger;

  constructor(
    private readonly store: CoordinationStore,
    batchId: string,
    private readonly keepMs: number,
    private readonly holds: WorkflowHolds,
  ) {
    this.ledger = new WorkflowLedger(store, batchScope(batchId), keepMs, holds);
  }

  /** `#open` first: a batch whose options exist is held open (a child's creator, run again, finds it made). */
  async create(options: StoredBatchOptions): Promise<void> {
    await this.hold();
    await this.store.putEntry(this.ledger.key("pending"), OPEN_MEMBER, "open", this.keepMs);
    await this.ledger.write("options", JSON.stringify(options));
  }

  /** Registers jobs before they are sent, so none can finish before the batch knows it; `delayMs`: when they run. */
  async addPending(jobIds: readonly string[], delayMs = 0): Promise<void> {
    await this.hold(delayMs);
    await Promise.all(jobIds.map((id) => this.store.putEntry(this.ledger.key("pending"), id, "pending", this.keepMs + delayMs)));
  }

  /** Undoes `addPending` for jobs that were never sent. */
  async dropPending(jobIds: readonly string[]): Promise<void> {
    await Promise.all(jobIds.map((id) => this.store.removeEntry(this.ledger.key("pending"), id)));
  }

  /** Records a member's outcome; true when no member is pending afterwards (the batch may be done). */
  async finish(member: string, outcome: BatchOutcome): Promise<boolean> {
    await this.hold();
    await this.store.putEntry(this.ledger.key("done"), member, outcome, this.keepMs, outcome === "succeeded" ? undefined : { unless: "succeeded" });
    await this.store.removeEntry(this.ledger.key("pending"), member);
    // A count the store keeps, not a list: each finish costs the same in a batch of 10 and of 100,000.
    return (await this.store.countEntries(this.ledger.key("pending"))) === 0;
  }

  /** Holds the batch's keys, and when a hold was taken its parent's too (a child running long keeps its parent whole). */
  private async hold(delayMs = 0): Promise<void> {
    if (!(await this.holds.hold(["pending", "done", "info"].map((part) => this.ledger.key(part)), delayMs))) return;
    const parent = batchOptionsOf(await this.ledger.read())?.parent;
    if (parent !== undefined) await new BatchState(this.store, parent, this.keepMs, this.holds).hold(delayMs);
  }

  async pending(): Promise<string[]> {
    return (await this.store.listEntries(this.ledger.key("pending"))).map((entry) => entry.member);
  }

  async done(): Promise<Map<string, BatchOutcome>> {
    const entries = await this.store.listEntries(this.ledger.key("done"));
    return new Map(entries.map((entry) => [entry.member, entry.value as BatchOutcome]));
  }
}

/** The batch's options out of its ledger's info; undefined once expired (or never created). */
export function batchOptionsOf(info: ReadonlyMap<string, string>): StoredBatchOptions | undefined {
  const options = info.get("options");
  return options === undefined ? undefined : (JSON.parse(options) as StoredBatchOptions);
}

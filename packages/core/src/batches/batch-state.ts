import type { CoordinationStore } from "../coordination/coordination-store.js";

/**
 * A batch's state, as entries in the coordination store (no new primitive: an
 * entry per member is an atomic, idempotent set-add, and a store every process
 * shares already holds them). Per batch:
 *
 * - `…:info`    `options` (the callbacks and description, JSON), and one
 *                `enqueued:<kind>` / `succeeded:<kind>` per callback once done.
 * - `…:pending` one entry per member not finished yet: each job id, and
 *                `#open` until the batch is sealed.
 * - `…:done`    one entry per finished member: its outcome.
 *
 * A member is written to `done` before it leaves `pending`, so a finisher that
 * reads `pending` empty knows every member's outcome is in `done`. Each
 * finish is idempotent: a job run twice, or re-run after a crash in the middle,
 * writes the same entries again.
 */
export type BatchOutcome = "succeeded" | "failed" | "dead";
export type CallbackKind = "onSuccess" | "onComplete";

/** The member that keeps a batch open until `seal()`; never a job id (ids have no `#`). */
export const OPEN_MEMBER = "#open";

export interface StoredCallback {
  readonly job: string;
  /** The args as the envelope carries them (serializeArgs). */
  readonly args: unknown;
  readonly argsMeta?: unknown;
}

export interface StoredBatchOptions {
  readonly description?: string;
  readonly createdAt: string;
  readonly onSuccess?: StoredCallback;
  readonly onComplete?: StoredCallback;
}

const prefix = "hopper:batch:";

export class BatchState {
  constructor(
    private readonly store: CoordinationStore,
    readonly batchId: string,
    /** Every entry lives this long after its last write: longer than a batch may take to drain. */
    private readonly keepMs: number,
  ) {}

  private key(part: "info" | "pending" | "done" | `claim:${CallbackKind}`): string {
    return `${prefix}${this.batchId}:${part}`;
  }

  async create(options: StoredBatchOptions): Promise<void> {
    await this.store.putEntry(this.key("info"), "options", JSON.stringify(options), this.keepMs);
    await this.store.putEntry(this.key("pending"), OPEN_MEMBER, "open", this.keepMs);
  }

  async options(): Promise<StoredBatchOptions | undefined> {
    const info = await this.store.listEntries(this.key("info"));
    const entry = info.find((candidate) => candidate.member === "options");
    return entry ? (JSON.parse(entry.value) as StoredBatchOptions) : undefined;
  }

  /** Registers jobs before they are sent, so none can finish before the batch knows it. */
  async addPending(jobIds: readonly string[]): Promise<void> {
    await Promise.all(jobIds.map((id) => this.store.putEntry(this.key("pending"), id, "pending", this.keepMs)));
  }

  /** Undoes `addPending` for jobs that were never sent. */
  async dropPending(jobIds: readonly string[]): Promise<void> {
    await Promise.all(jobIds.map((id) => this.store.removeEntry(this.key("pending"), id)));
  }

  /** Records a member's outcome; true when no member is pending afterwards (the batch may be done). */
  async finish(member: string, outcome: BatchOutcome): Promise<boolean> {
    await this.store.putEntry(this.key("done"), member, outcome, this.keepMs);
    await this.store.removeEntry(this.key("pending"), member);
    return (await this.store.listEntries(this.key("pending"))).length === 0;
  }

  async pending(): Promise<string[]> {
    return (await this.store.listEntries(this.key("pending"))).map((entry) => entry.member);
  }

  async done(): Promise<Map<string, BatchOutcome>> {
    const entries = await this.store.listEntries(this.key("done"));
    return new Map(entries.map((entry) => [entry.member, entry.value as BatchOutcome]));
  }

  /**
   * The one decision per callback: the first finisher to claim it holds it for
   * good (the claim lives as long as the batch). The same finisher claiming
   * again (its message redelivered after a crash) gets it again, so it can
   * finish what it started; any other is refused.
   */
  async claim(kind: CallbackKind, finisher: string): Promise<boolean> {
    const result = await this.store.acquire(this.key(`claim:${kind}`), finisher, { limit: 1, ttlMs: this.keepMs });
    return result.acquired;
  }

  async marks(): Promise<Set<string>> {
    const info = await this.store.listEntries(this.key("info"));
    return new Set(info.map((entry) => entry.member));
  }

  async mark(name: `enqueued:${CallbackKind}` | `succeeded:${CallbackKind}`): Promise<void> {
    await this.store.putEntry(this.key("info"), name, new Date().toISOString(), this.keepMs);
  }
}

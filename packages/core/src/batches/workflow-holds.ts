import type { CoordinationStore } from "../coordination/coordination-store.js";

/**
 * Keeps a running workflow's state whole. Each entry of a batch or a chain has
 * its own ttl (`keepMs`), and most are written once: a batch's options, its
 * `#open`, a member pending in a long queue. Alone they would expire one by one
 * while the workflow still runs (a member dropping out of `pending` makes the
 * batch look finished early). So every write to a workflow also holds its keys
 * (`holdEntries`, coordination v7) for `keepMs`: the whole state lives `keepMs`
 * after its last write, none of it less.
 *
 * A hold costs one call per key, so each process takes it at most once per
 * `refreshMs` per key, for `keepMs + refreshMs`: every write before the next
 * hold is still covered for a full `keepMs`. Timed by the monotonic clock, so a
 * step of the wall clock cannot skip a refresh.
 */
export class WorkflowHolds {
  /** Key → when (performance.now) the hold this process took last ends; oldest first, bounded. */
  readonly #heldUntil = new Map<string, number>();
  readonly #refreshMs: number;

  constructor(
    private readonly store: CoordinationStore,
    private readonly keepMs: number,
  ) {
    this.#refreshMs = Math.min(keepMs / 10, 3_600_000);
  }

  /**
   * Holds `keys` for at least `keepMs + extraMs` from now (`extraMs`: how long a member added now waits before it
   * runs); true when a hold was taken in the store, false when this process's last one still covers it.
   */
  async hold(keys: readonly string[], extraMs = 0): Promise<boolean> {
    const now = performance.now();
    const wanted = now + this.keepMs + extraMs;
    const due = keys.filter((key) => (this.#heldUntil.get(key) ?? -Infinity) < wanted);
    if (due.length === 0) return false;
    const ttlMs = this.keepMs + extraMs + this.#refreshMs;
    await Promise.all(due.map((key) => this.store.holdEntries(key, ttlMs)));
    for (const key of due) {
      this.#heldUntil.delete(key);
      this.#heldUntil.set(key, now + ttlMs);
    }
    // The oldest first: forgetting one costs a hold taken again, never a hold missed.
    for (const key of this.#heldUntil.keys()) {
      if (this.#heldUntil.size <= maxRemembered) break;
      this.#heldUntil.delete(key);
    }
    return true;
  }
}

const maxRemembered = 10_000;

import type { Duration } from "../duration.js";
import { Job, type JobContext } from "../job.js";

/** Each entry of an iterate's source: the item, and the cursor to resume from after it. */
export type IterationEntry<Item, Cursor> = readonly [item: Item, cursor: Cursor];

/** Items from a cursor (undefined on the first run): an async generator, an array, any iterable. */
export type IterationSource<Item, Cursor> = (cursor: Cursor | undefined) => AsyncIterable<IterationEntry<Item, Cursor>> | Iterable<IterationEntry<Item, Cursor>>;

/** The context an IterableJob's `perform` gets: a JobContext with checkpointed steps. */
export interface IterationContext extends JobContext {
  /**
   * Runs `each` for every item of `source(cursor)`, checkpointing the cursor of the
   * last processed item. A resumed run calls `source` with that cursor, so it must
   * yield the items after it. `name` identifies the iterate across runs: once it
   * finished, a resumed run skips it. The run stops between items when the worker
   * stops or the slice time is up, and continues from the cursor in a later run.
   */
  iterate<Item, Cursor>(name: string, source: IterationSource<Item, Cursor>, each: (item: Item, cursor: Cursor) => Promise<void> | void): Promise<void>;
  /** Runs `fn` once: a resumed run skips a step that finished. */
  step(name: string, fn: () => Promise<void> | void): Promise<void>;
}

export interface IterationOptions {
  /** Save the cursor after this many items. Default 1000. */
  readonly checkpointItems?: number;
  /** …or once this long has passed since the last save. Default "5s". */
  readonly checkpointInterval?: Duration;
  /**
   * Stop a run after this long (at the next item boundary) and continue in a later run,
   * so one job never holds a worker or outlives a platform's time limit. Default none.
   */
  readonly maxSliceTime?: Duration;
}

/** Transforms a cursor saved under payload version `N` (the key) for version `N + 1`; `step` is the iterate it belongs to. */
export type CursorUpgrade = (cursor: any, step: string) => unknown;

/**
 * A job that walks many items and survives restarts: `perform` calls
 * `context.iterate(name, source, each)` and `context.step(name, fn)`; the worker
 * checkpoints the cursor and, on shutdown or at the end of a slice, re-enqueues
 * the job to continue from it without spending an attempt (docs/guarantees.md).
 */
export abstract class IterableJob<Args = unknown, Result = unknown> extends Job<Args, Result> {
  static iteration: IterationOptions = {};
  /** Cursor transforms from version N to N + 1, next to `upgrades`; a version with none keeps cursors as they are. */
  static cursorUpgrades: Readonly<Record<number, CursorUpgrade>> = {};

  abstract override perform(args: Args, context: IterationContext): Promise<Result> | Result;
}

const marker = Symbol.for("hopper.IterableJob");
(IterableJob as unknown as Record<symbol, boolean>)[marker] = true;

/** True for a subclass of IterableJob (a marker, so a duplicate copy of the package still counts). */
export function isIterableJobClass(jobClass: unknown): boolean {
  return typeof jobClass === "function" && (jobClass as unknown as Record<symbol, unknown>)[marker] === true;
}

import { IterationError } from "../errors/iteration-error.js";
import type { IterationSource } from "./iterable-job.js";
import type { ResolvedIteration } from "./iteration-options.js";
import { checkCursor, stateJson, type IterationState } from "./iteration-state.js";

/** What a run of an iterable job needs from where it runs (a worker, a push handler, performNow). */
export interface IterationHost {
  readonly job: string;
  /** Saves a checkpoint where one is kept (the job's record); a no-op where none is. */
  checkpoint(stateText: string): Promise<void>;
  /** Set once the run should stop at the next boundary: the worker is stopping, or the slice is over. */
  yieldReason(): "stopping" | "slice" | undefined;
  /** Why the run was aborted (timeout, lost lease, cancel), else undefined: iterating stops with it. */
  abortReason(): unknown;
}

const interruptMarker = Symbol.for("hopper.IterationInterrupt");

/**
 * Thrown out of `perform` when a run stops at a boundary to continue from its cursor.
 * Control flow, not a failure: the handler re-enqueues the job with `stateText`.
 * A job must let it pass (rethrow it from a catch around `iterate`).
 */
export class IterationInterrupt extends Error {
  readonly [interruptMarker] = true;
  constructor(
    readonly stateText: string,
    readonly reason: "stopping" | "slice",
  ) {
    super(`iteration stopped at an item boundary (${reason}); the job continues from its cursor`);
    this.name = "IterationInterrupt";
  }
}

export function isIterationInterrupt(error: unknown): error is IterationInterrupt {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[interruptMarker] === true;
}

interface MutableState {
  version: number;
  done: string[];
  step: string | undefined;
  cursor: unknown;
  items: number;
  seq: number;
}

/** The steps of one run of an iterable job, from a saved state. */
export class Iteration {
  readonly #host: IterationHost;
  readonly #options: ResolvedIteration;
  readonly #state: MutableState;
  readonly #named = new Set<string>();
  #sinceCheckpoint = 0;
  #checkpointedAt = Date.now();
  /** The step or iterate under way, while one is. */
  #underWay: string | undefined;
  /** Whether this run processed an item or finished a step: a slice ends only after some progress, so slow starts cannot loop forever. */
  #progressed = false;

  constructor(host: IterationHost, options: ResolvedIteration, state: IterationState) {
    this.#host = host;
    this.#options = options;
    this.#state = { version: state.version, done: [...state.done], step: state.step, cursor: state.cursor, items: state.items, seq: state.seq };
  }

  /**
   * The state as of the last item or step this run finished (what a retry resumes from), or undefined when the run
   * finished none: a failed run's retry copy carries it, so nothing finished runs again, records or not.
   */
  get progressText(): string | undefined {
    return this.#progressed ? stateJson(this.#current(), this.#host.job) : undefined;
  }

  /** Where the job is in its iteration: the same number whenever the same item or step runs, on any slice. */
  get position(): number {
    return this.#state.seq;
  }

  async step(name: string, fn: () => Promise<void> | void): Promise<void> {
    this.#claim(name, "step");
    if (typeof fn !== "function") throw new IterationError({ job: this.#host.job, field: `step("${name}")`, message: "needs a function to run: step(name, async () => { … })" });
    if (this.#state.done.includes(name)) return;
    this.#enter(`step("${name}")`);
    try {
      await this.#boundary();
      await fn();
      await this.#finished(name);
    } finally {
      this.#underWay = undefined;
    }
  }

  async iterate<Item, Cursor>(name: string, source: IterationSource<Item, Cursor>, each: (item: Item, cursor: Cursor) => Promise<void> | void): Promise<void> {
    this.#claim(name, "iterate");
    const field = `iterate("${name}")`;
    if (typeof source !== "function" || typeof each !== "function") {
      throw new IterationError({ job: this.#host.job, field, message: "needs a source (cursor) => iterable of [item, cursor] and a function run for each item" });
    }
    if (this.#state.done.includes(name)) return;
    this.#enter(field);
    try {
      const state = this.#state;
      // A cursor saved by another iterate (renamed in a newer version) is not this one's position.
      if (state.step !== name) {
        state.step = name;
        state.cursor = undefined;
      }
      await this.#boundary();
      let checked = false;
      for await (const entry of source(state.cursor as Cursor | undefined)) {
        if (!Array.isArray(entry) || entry.length !== 2) {
          throw new IterationError({ job: this.#host.job, field, message: `its source yielded ${describe(entry)}: yield [item, cursor] pairs, the cursor being where to resume after that item` });
        }
        const [item, cursor] = entry as [Item, Cursor];
        // Every item: an undefined cursor is saved as none, and the job would start its source over from the beginning.
        if (cursor === undefined) throw new IterationError({ job: this.#host.job, field: `${field} cursor`, message: "is undefined: yield [item, cursor] with the cursor to resume from after that item" });
        if (!checked) {
          // Its shape once per run here; every save checks the cursor it writes.
          checkCursor(cursor, this.#host.job, name);
          checked = true;
        }
        await each(item, cursor);
        state.cursor = cursor;
        state.items++;
        state.seq++;
        this.#progressed = true;
        this.#sinceCheckpoint++;
        await this.#boundary();
        if (this.#sinceCheckpoint >= this.#options.checkpointItems || Date.now() - this.#checkpointedAt >= this.#options.checkpointIntervalMs) await this.#save();
      }
      await this.#finished(name);
    } finally {
      this.#underWay = undefined;
    }
  }

  /** Between items and steps: stop here when aborted, or when asked to yield (saving the state into the interrupt). */
  async #boundary(): Promise<void> {
    const reason = this.#host.abortReason();
    if (reason !== undefined) throw reason;
    const yieldReason = this.#host.yieldReason();
    if (yieldReason === undefined || (yieldReason === "slice" && !this.#progressed)) return;
    const text = stateJson(this.#current(), this.#host.job);
    // The copy carries the state; the checkpoint keeps the record's progress current too.
    await this.#host.checkpoint(text);
    throw new IterationInterrupt(text, yieldReason);
  }

  async #finished(name: string): Promise<void> {
    const state = this.#state;
    state.done.push(name);
    state.step = undefined;
    state.cursor = undefined;
    state.seq++;
    this.#progressed = true;
    await this.#save();
  }

  async #save(): Promise<void> {
    this.#sinceCheckpoint = 0;
    this.#checkpointedAt = Date.now();
    await this.#host.checkpoint(stateJson(this.#current(), this.#host.job));
  }

  /**
   * One step or iterate at a time: they share one saved position, so two run at once (a Promise.all of iterates)
   * saved each other's cursor, and every slice started both over: items ran again without end.
   */
  #enter(what: string): void {
    if (this.#underWay !== undefined) {
      throw new IterationError({ job: this.#host.job, field: what, message: `started while ${this.#underWay} is under way: await each step and iterate before starting the next` });
    }
    this.#underWay = what;
  }

  #claim(name: string, kind: string): void {
    if (typeof name !== "string" || name.length === 0) {
      throw new IterationError({ job: this.#host.job, field: `${kind}(name)`, message: `needs a non-empty string name, got ${describe(name)}` });
    }
    if (this.#named.has(name)) {
      throw new IterationError({ job: this.#host.job, field: `${kind}("${name}")`, message: "this name was already used in this run: give each step and iterate its own name, since finished ones are skipped by name when the job resumes" });
    }
    this.#named.add(name);
  }

  #current(): IterationState {
    const { version, done, step, cursor, items, seq } = this.#state;
    return { version, done, ...(step !== undefined && { step }), ...(cursor !== undefined && { cursor }), items, seq };
  }
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  const text = typeof value === "object" && value !== null && !Array.isArray(value) ? `a ${value.constructor?.name ?? "object"}` : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

import { IterationError } from "../errors/iteration-error.js";
import { firstNonJson, MAX_PROGRESS_BYTES } from "../records/record-values.js";

/** Where a copy of an interrupted job carries its state: the envelope's `meta`, as JSON text. */
export const iterationMetaKey = "hopper.iteration";

// The state is also a record's progress (`{"iteration":…}`), which is bounded by MAX_PROGRESS_BYTES.
const maxStateBytes = MAX_PROGRESS_BYTES - 20;

/**
 * How far an iterable job got, saved at checkpoints, interrupts and slice ends.
 * Plain JSON, small (a cursor is a position, not data).
 */
export interface IterationState {
  /** The job's payload version when it was saved: cursor upgrades start from it. */
  readonly version: number;
  /** Finished steps and iterates, in order: never run again. */
  readonly done: readonly string[];
  /** The iterate under way, and the cursor after its last processed item. */
  readonly step?: string;
  readonly cursor?: unknown;
  /** Items processed, over every slice. */
  readonly items: number;
  /** Grows with every item and finished step: of two saved states, the larger is the later. */
  readonly seq: number;
}

export function initialState(version: number): IterationState {
  return { version, done: [], items: 0, seq: 0 };
}

/** The state as JSON text; an IterationError naming the job when its cursor is not plain JSON or too large. */
export function stateJson(state: IterationState, job: string): string {
  checkCursor(state.cursor, job, state.step ?? "");
  const text = JSON.stringify(state);
  const bytes = Buffer.byteLength(text);
  if (bytes > maxStateBytes) {
    throw new IterationError({ job, field: `iterate("${state.step ?? ""}") cursor`, message: `the saved state is ${bytes} bytes of JSON, over ${maxStateBytes}: make the cursor a position (an id, an offset, a page token), not the data` });
  }
  return text;
}

/** A cursor must survive JSON as itself, or a resumed job would start from somewhere else. */
export function checkCursor(cursor: unknown, job: string, step: string): void {
  if (cursor === undefined) return;
  const problem = firstNonJson(cursor, "", new Set());
  if (problem) {
    const where = problem.path ? `cursor.${problem.path}` : "the cursor";
    throw new IterationError({
      job,
      field: `iterate("${step}") cursor`,
      message: `${where} is ${problem.what}, which does not survive JSON: yield a plain JSON cursor (a string, a number, or an object of them; a Date as its ISO string, a BigInt as a string)`,
    });
  }
}

/** Reads a saved state; undefined when `text` is not one (a record's progress the job set itself, a hand-edited copy). */
export function parseState(text: string | undefined | null): IterationState | undefined {
  if (typeof text !== "string") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isState(value) ? value : undefined;
}

/** The state inside a record's progress (`{"iteration": state}`), if it holds one. */
export function parseCheckpoint(progress: string | null | undefined): IterationState | undefined {
  if (typeof progress !== "string" || !progress.startsWith('{"iteration":')) return undefined;
  try {
    const value = (JSON.parse(progress) as { iteration?: unknown }).iteration;
    return isState(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function checkpointJson(stateText: string): string {
  return `{"iteration":${stateText}}`;
}

/** The later of two saved states (the envelope's and the record's checkpoint). */
export function laterState(a: IterationState | undefined, b: IterationState | undefined): IterationState | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.seq > a.seq ? b : a;
}

function isState(value: unknown): value is IterationState {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const state = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(state.version) &&
    (state.version as number) >= 1 &&
    Array.isArray(state.done) &&
    state.done.every((name) => typeof name === "string") &&
    (state.step === undefined || typeof state.step === "string") &&
    Number.isSafeInteger(state.items) &&
    Number.isSafeInteger(state.seq)
  );
}

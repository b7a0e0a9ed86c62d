import type { Envelope } from "../envelope/envelope.js";
import { IterationError } from "../errors/iteration-error.js";
import type { JobDefinition } from "../job-registry.js";
import type { RecordWriter } from "../records/record-writer.js";
import type { ResolvedIteration } from "./iteration-options.js";
import { checkCursor, initialState, iterationMetaKey, laterState, parseCheckpoint, parseState, type IterationState } from "./iteration-state.js";
import { Iteration, type IterationHost } from "./iteration.js";

/**
 * Where a run of an iterable job starts: the later of the state its copy carries
 * (an interrupt or slice end put it there) and the checkpoint in its record (when
 * records are on), so a worker killed between the two resumes from the checkpoint.
 * One record read per run, and only for iterable jobs.
 */
export async function savedState(envelope: Envelope, definition: JobDefinition, records: RecordWriter | undefined): Promise<IterationState> {
  const carried = parseState(envelope.meta[iterationMetaKey]);
  const checkpoint = records ? parseCheckpoint(await records.lastProgress(envelope.id)) : undefined;
  return laterState(carried, checkpoint) ?? initialState(definition.version);
}

/**
 * A cursor saved under an older payload version, passed through `cursorUpgrades`
 * from its version up to the job's, one version at a time (a version without an
 * entry keeps the cursor). Runs before perform, once per run. A state saved by a
 * newer version is the caller's to hold back, as a newer payload is.
 */
export function upgradeState(state: IterationState, definition: JobDefinition, iteration: ResolvedIteration): IterationState {
  if (state.version >= definition.version) return state;
  let cursor = state.cursor;
  if (cursor !== undefined && state.step !== undefined) {
    for (let version = state.version; version < definition.version; version++) {
      const upgrade = iteration.cursorUpgrades[version];
      if (!upgrade) continue;
      try {
        cursor = upgrade(cursor, state.step);
      } catch (error) {
        throw new IterationError({ job: definition.name, field: `cursorUpgrades.${version}`, message: `threw on the cursor of iterate("${state.step}"): ${(error as Error)?.message ?? String(error)}`, cause: error });
      }
      checkCursor(cursor, definition.name, state.step);
    }
  }
  const { cursor: _old, ...rest } = state;
  return { ...rest, version: definition.version, ...(cursor !== undefined && { cursor }) };
}

/** The iteration of one run: checkpoints to the record (when records are on), yields when the worker stops or the slice ends. */
export function startIteration(options: {
  readonly definition: JobDefinition;
  readonly iteration: ResolvedIteration;
  readonly state: IterationState;
  readonly jobId: string;
  readonly records: RecordWriter | undefined;
  readonly stopping: () => boolean;
  readonly abortReason: () => unknown;
}): Iteration {
  const { iteration, records, jobId } = options;
  const sliceEndsAt = iteration.maxSliceMs === undefined ? Infinity : Date.now() + iteration.maxSliceMs;
  const host: IterationHost = {
    job: options.definition.name,
    checkpoint: records ? (stateText) => records.checkpoint(jobId, stateText) : async () => {},
    yieldReason: () => (options.stopping() ? "stopping" : Date.now() >= sliceEndsAt ? "slice" : undefined),
    abortReason: options.abortReason,
  };
  return new Iteration(host, iteration, options.state);
}

/** The copy that continues an interrupted run: same id and attempt, carrying the saved state. */
export function continuedEnvelope(envelope: Envelope, attempt: number, stateText: string): Envelope {
  return { ...envelope, attempt, meta: { ...envelope.meta, [iterationMetaKey]: stateText } };
}

/** `performNow` of an IterableJob: its steps run in process, from the start, with nothing saved and no slices. */
export function inProcessIteration(definition: JobDefinition): Pick<Iteration, "iterate" | "step"> | undefined {
  if (!definition.iteration) return undefined;
  const host: IterationHost = { job: definition.name, checkpoint: async () => {}, yieldReason: () => undefined, abortReason: () => undefined };
  const iteration = new Iteration(host, definition.iteration, initialState(definition.version));
  return { iterate: iteration.iterate.bind(iteration), step: iteration.step.bind(iteration) };
}

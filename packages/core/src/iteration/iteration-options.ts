import { toPositiveMilliseconds } from "../duration.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import type { JobClass } from "../job.js";
import { isIterableJobClass, type CursorUpgrade, type IterationOptions } from "./iterable-job.js";

export interface ResolvedIteration {
  readonly checkpointItems: number;
  readonly checkpointIntervalMs: number;
  readonly maxSliceMs?: number;
  readonly cursorUpgrades: Readonly<Record<number, CursorUpgrade>>;
}

const optionKeys = new Set(["checkpointItems", "checkpointInterval", "maxSliceTime"]);

/** The class's iteration options checked at registration; undefined for a job that is not an IterableJob. */
export function resolveIteration(jobClass: JobClass, name: string, version: number): ResolvedIteration | undefined {
  if (!isIterableJobClass(jobClass)) return undefined;
  const { iteration = {}, cursorUpgrades = {} } = jobClass as unknown as { iteration?: IterationOptions; cursorUpgrades?: Record<number, CursorUpgrade> };
  if (typeof iteration !== "object" || iteration === null) throw new ConfigurationError({ field: `${name}.iteration`, message: "must be an object such as { checkpointItems: 1000, checkpointInterval: \"5s\" }" });
  for (const key of Object.keys(iteration)) {
    if (!optionKeys.has(key)) throw new ConfigurationError({ field: `${name}.iteration.${key}`, message: `is not an option; use ${[...optionKeys].join(", ")}` });
  }
  const checkpointItems = iteration.checkpointItems ?? 1000;
  if (!Number.isSafeInteger(checkpointItems) || checkpointItems < 1) {
    throw new ConfigurationError({ field: `${name}.iteration.checkpointItems`, message: `must be an integer ≥ 1, got ${JSON.stringify(checkpointItems)}` });
  }
  for (const [key, upgrade] of Object.entries(cursorUpgrades)) {
    const from = Number(key);
    if (!Number.isSafeInteger(from) || from < 1 || from >= version || typeof upgrade !== "function") {
      throw new ConfigurationError({ field: `${name}.cursorUpgrades.${key}`, message: `must map a version from 1 to ${version - 1} (below static version ${version}) to a function (cursor, step) => cursor` });
    }
  }
  const maxSliceMs = iteration.maxSliceTime === undefined ? undefined : toPositiveMilliseconds(iteration.maxSliceTime, `${name}.iteration.maxSliceTime`);
  return {
    checkpointItems,
    checkpointIntervalMs: toPositiveMilliseconds(iteration.checkpointInterval ?? "5s", `${name}.iteration.checkpointInterval`),
    ...(maxSliceMs !== undefined && { maxSliceMs }),
    cursorUpgrades,
  };
}

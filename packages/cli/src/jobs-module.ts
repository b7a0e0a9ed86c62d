import { stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Hopper, HopperOptions, JobClass } from "@hopper/core";
import { usageError } from "./cli-error.js";

/** What `--jobs` points at, once loaded. */
export interface JobsModule {
  readonly path: string;
  /** Every exported job class, and those in exported arrays, once each. */
  readonly jobs: readonly JobClass[];
  /** `export function schedules(hopper)`: registers recurring jobs with `hopper.schedule(...)`. */
  readonly schedules?: (hopper: Hopper) => unknown;
  /** `export const hopperOptions = { middleware, coordination, logArgs, logger, records }`. */
  readonly hopperOptions: Pick<HopperOptions, "middleware" | "coordination" | "logArgs" | "logger" | "records">;
}

const allowedHopperOptions = new Set(["middleware", "coordination", "logArgs", "logger", "records"]);

export async function loadJobsModule(specifier: string | undefined, cwd: string): Promise<JobsModule> {
  if (specifier === undefined || specifier.trim() === "") {
    throw usageError("no jobs module: pass --jobs ./dist/jobs.js (a module that exports your job classes)");
  }
  const file = path.resolve(cwd, specifier);
  if (!(await stat(file).then((found) => found.isFile(), () => false))) {
    throw usageError(`--jobs ${specifier}: no such file (${file}); point it at the built module that exports your job classes`);
  }
  let exported: Record<string, unknown>;
  try {
    exported = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw usageError(`--jobs ${specifier} could not be loaded: ${(error as Error)?.message ?? String(error)}`, error);
  }
  const jobs = collectJobClasses(exported);
  if (jobs.length === 0) {
    throw usageError(`--jobs ${specifier} exports no job classes: export each one (export class SendEmail extends Job …) or an array of them`);
  }
  const { schedules, hopperOptions = {} } = exported;
  if (schedules !== undefined && typeof schedules !== "function") {
    throw usageError(`--jobs ${specifier}: the export "schedules" must be a function (hopper) => { hopper.schedule(...) }`);
  }
  if (typeof hopperOptions !== "object" || hopperOptions === null) {
    throw usageError(`--jobs ${specifier}: the export "hopperOptions" must be an object such as { middleware: [...] }`);
  }
  for (const key of Object.keys(hopperOptions)) {
    if (!allowedHopperOptions.has(key)) {
      throw usageError(`--jobs ${specifier}: hopperOptions.${key} is not taken here (use ${[...allowedHopperOptions].join(", ")}; the URL comes from --url and the jobs from the module's exports)`);
    }
  }
  return { path: file, jobs, ...(schedules !== undefined && { schedules: schedules as JobsModule["schedules"] }), hopperOptions };
}

function collectJobClasses(exported: Record<string, unknown>): JobClass[] {
  const found = new Set<JobClass>();
  for (const value of Object.values(exported)) {
    for (const candidate of Array.isArray(value) ? value : [value]) if (isJobClass(candidate)) found.add(candidate);
  }
  return [...found];
}

/**
 * Recognised by shape, not `instanceof Job`: an application that resolves its
 * own copy of @hopper/core still has its classes found (createHopper checks them).
 */
function isJobClass(value: unknown): value is JobClass {
  if (typeof value !== "function") return false;
  const candidate = value as { performLater?: unknown; prototype?: { perform?: unknown } };
  return typeof candidate.performLater === "function" && typeof candidate.prototype?.perform === "function";
}

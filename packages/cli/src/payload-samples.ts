import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { PayloadSample } from "@hopper/core";
import { usageError } from "./cli-error.js";

/**
 * Payload samples live in the application's repository, one JSON file per job and
 * version: `<dir>/<JobName>/v<version>.json` holding `{ job, version, args, argsMeta? }`
 * (args as they travel in the envelope, so Dates and the like keep their type).
 */
export interface SampleFile {
  readonly job: string;
  readonly version: number;
  readonly args: unknown;
  readonly argsMeta?: unknown;
}

export function samplePath(directory: string, job: string, version: number): string {
  return path.join(directory, job, `v${version}.json`);
}

/** Every `*.json` below `directory`; a missing directory holds no samples. */
export async function readSamples(directory: string): Promise<PayloadSample[]> {
  if (!(await stat(directory).then((found) => found.isDirectory(), () => false))) return [];
  const files = (await readdir(directory, { recursive: true })).map(String).filter((file) => file.endsWith(".json")).sort();
  return Promise.all(files.map((file) => readSample(path.join(directory, file), file)));
}

async function readSample(file: string, shown: string): Promise<PayloadSample> {
  let content: unknown;
  try {
    content = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw usageError(`payload sample ${shown} is not JSON (${(error as Error).message}): write { "job", "version", "args" }, or record it with hopper check --record`);
  }
  const sample = content as Partial<SampleFile> | null;
  if (typeof sample !== "object" || sample === null || Array.isArray(sample)) throw badSample(shown, "the file", "an object { job, version, args }");
  if (typeof sample.job !== "string" || sample.job === "") throw badSample(shown, "job", "the job's name");
  if (!Number.isSafeInteger(sample.version) || sample.version! < 1) throw badSample(shown, "version", "an integer ≥ 1");
  if (!("args" in sample)) throw badSample(shown, "args", "the payload's args");
  return { job: sample.job, version: sample.version!, args: { json: sample.args, ...(sample.argsMeta !== undefined && { meta: sample.argsMeta }) }, source: shown };
}

function badSample(file: string, field: string, expected: string): Error {
  return usageError(`payload sample ${file}: ${field} must be ${expected}`);
}

/** Writes one sample; false (and nothing written) when the file exists and `overwrite` is off. */
export async function writeSample(directory: string, sample: Omit<PayloadSample, "source">, overwrite: boolean): Promise<boolean> {
  const file = samplePath(directory, sample.job, sample.version);
  if (!overwrite && (await stat(file).then(() => true, () => false))) return false;
  await mkdir(path.dirname(file), { recursive: true });
  const content: SampleFile = { job: sample.job, version: sample.version, args: sample.args.json, ...(sample.args.meta !== undefined && { argsMeta: sample.args.meta }) };
  await writeFile(file, `${JSON.stringify(content, null, 2)}\n`);
  return true;
}

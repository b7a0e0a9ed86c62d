import { JobRecordValueError } from "../errors/job-record-value-error.js";

/** Progress stays small: it is written while the job runs, possibly often. */
export const MAX_PROGRESS_BYTES = 4096;
export const DEFAULT_MAX_RESULT_BYTES = 64 * 1024;
/** Args are kept on every record from the enqueue on, so their bound is tighter than a result's. */
export const DEFAULT_MAX_ARGS_BYTES = 16 * 1024;

const plainJsonHint = "keep to plain JSON (objects, arrays, strings, finite numbers, booleans, null)";

/** `ctx.progress(value)`: a number or a small plain JSON object, as JSON text. */
export function progressJson(value: unknown): string {
  const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
  if (!(typeof value === "number" && Number.isFinite(value)) && !isObject) {
    throw new JobRecordValueError({ field: "progress", message: `must be a finite number or a plain JSON object, got ${describe(value)}` });
  }
  return boundedJson(value, "progress", MAX_PROGRESS_BYTES);
}

/** What `perform` returned, as JSON text (undefined is kept as null). */
export function resultJson(value: unknown, limitBytes: number): string {
  return boundedJson(value === undefined ? null : value, "result", limitBytes);
}

function boundedJson(value: unknown, field: string, limitBytes: number): string {
  const problem = firstNonJson(value, "", new Set());
  if (problem) throw new JobRecordValueError({ field, message: `${problem.path || "the value"} is ${problem.what}: ${plainJsonHint}` });
  const text = JSON.stringify(value);
  const sizeBytes = Buffer.byteLength(text);
  if (sizeBytes > limitBytes) {
    const fix = field === "result" ? "store large results elsewhere and return a reference, or raise records.maxResultBytes" : "report less (a percentage, a few counters)";
    throw new JobRecordValueError({ field, message: `is ${sizeBytes} bytes of JSON, over the bound of ${limitBytes} bytes: ${fix}`, limitBytes, sizeBytes });
  }
  return text;
}

/** What a record holds of its job's args, as `hopper.jobs` reads it. */
export type JobRecordArgs =
  /** The args as the envelope carries them: plain JSON, rich types in their JSON form (a Date as its ISO text, a BigInt as its digits). */
  | { readonly kept: true; readonly value: unknown }
  /** Over `records.maxArgsBytes` when enqueued: only their size (bytes of JSON) was kept. */
  | { readonly kept: false; readonly reason: "too-large"; readonly sizeBytes: number }
  /** `off`: this Hopper keeps and shows no args (`records: { args: false }`). `absent`: the record holds none (enqueued by a Hopper that keeps none, before records kept args, or created when its job started because its insert was lost). */
  | { readonly kept: false; readonly reason: "off" | "absent" };

/**
 * A job's args (the envelope's `args`, already plain JSON) as its record keeps them: `{"args":…}`, or
 * `{"argsBytes":n}` past `limitBytes`. The wrapper keeps args that look like the marker apart from it.
 * Never throws: args that cannot be written as JSON (which the envelope would have refused) are kept as absent.
 */
export function argsRecordText(args: unknown, limitBytes: number): string | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(args) ?? "null";
  } catch {
    return undefined;
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes: text that short is under the bound without counting its bytes (#20).
  if (text.length * 3 <= limitBytes) return `{"args":${text}}`;
  const sizeBytes = Buffer.byteLength(text);
  return sizeBytes > limitBytes ? `{"argsBytes":${sizeBytes}}` : `{"args":${text}}`;
}

/** Reads what `argsRecordText` wrote; anything else (a hand edit, a cut value) is absent. */
export function readArgsRecord(text: string | null | undefined): JobRecordArgs {
  if (typeof text !== "string") return { kept: false, reason: "absent" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kept: false, reason: "absent" };
  }
  if (typeof parsed !== "object" || parsed === null) return { kept: false, reason: "absent" };
  if (Object.hasOwn(parsed, "args")) return { kept: true, value: (parsed as { args: unknown }).args };
  const sizeBytes = (parsed as { argsBytes?: unknown }).argsBytes;
  return typeof sizeBytes === "number" ? { kept: false, reason: "too-large", sizeBytes } : { kept: false, reason: "absent" };
}

/** Where `value` stops being plain JSON (a Date, a Map, a class instance, a cycle, NaN…), so the error can point at it. */
export function firstNonJson(value: unknown, path: string, seen: Set<object>): { path: string; what: string } | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : { path, what: String(value) };
  if (typeof value !== "object") return { path, what: describe(value) };
  if (seen.has(value)) return { path, what: "a cycle" };
  const prototype = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) return { path, what: describe(value) };
  seen.add(value);
  for (const [key, inner] of Object.entries(value)) {
    const found = firstNonJson(inner, Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key, seen);
    if (found) return found;
  }
  seen.delete(value);
  return undefined;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "object" && value !== null) return `a ${value.constructor?.name ?? "null-prototype object"}`;
  if (typeof value === "function") return "a function";
  return `a ${typeof value} (${String(value)})`;
}

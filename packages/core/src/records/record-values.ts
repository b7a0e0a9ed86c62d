import { JobRecordValueError } from "../errors/job-record-value-error.js";

/** Progress stays small: it is written while the job runs, possibly often. */
export const MAX_PROGRESS_BYTES = 4096;
export const DEFAULT_MAX_RESULT_BYTES = 64 * 1024;

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

import { deserializeArgs, serializeArgs } from "../envelope/args-serializer.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { describeValue } from "./enqueued-job.js";

/**
 * Refuses args the envelope would change: a class instance arrives as a plain
 * object without its methods (a function or a symbol, which would vanish, every Hopper refuses). In production
 * the job would get the changed value and fail (or worse, not) in perform;
 * a test should fail at the performLater that sent it.
 */
export function checkArgsSurvive(jobName: string, args: unknown): void {
  const serialized = serializeArgs(args);
  const copy = deserializeArgs(JSON.parse(JSON.stringify({ json: serialized.json, meta: serialized.meta })) as typeof serialized);
  const loss = firstLoss(args, copy, "args", new Set());
  if (loss) throw new ConfigurationError({ field: loss.path, message: `${loss.problem}, so ${jobName} would not get what was sent: pass plain data (strings, numbers, Dates, Maps, plain objects; an id rather than a model)` });
}

function firstLoss(original: unknown, copy: unknown, path: string, seen: Set<object>): { path: string; problem: string } | undefined {
  // Functions and symbols never get here: serializeArgs refuses them, for every Hopper.
  if (typeof original !== "object" || original === null) {
    return Object.is(original, copy) ? undefined : { path, problem: `is ${describeValue(original)} but arrives as ${describeValue(copy)}` };
  }
  if (seen.has(original)) return undefined;
  seen.add(original);
  const prototype = Object.getPrototypeOf(original) as object | null;
  const samePrototype = typeof copy === "object" && copy !== null && (Object.getPrototypeOf(copy) === prototype || (prototype === null && Object.getPrototypeOf(copy) === Object.prototype));
  if (!samePrototype) {
    const className = (prototype?.constructor as { name?: string } | undefined)?.name || "class";
    return { path, problem: `is a ${className} instance, which arrives as ${describeValue(copy)} without its class or methods` };
  }
  if (original instanceof Map) return firstLossInEntries([...original], [...(copy as Map<unknown, unknown>)], path, seen, (key) => `${path}.get(${describeValue(key)})`);
  if (original instanceof Set) return firstLossInEntries([...original].map((value) => [value, value]), [...(copy as Set<unknown>)].map((value) => [value, value]), path, seen, (value) => `${path}.has(${describeValue(value)})`);
  if (original instanceof Date) return original.getTime() === (copy as Date).getTime() || (Number.isNaN(original.getTime()) && Number.isNaN((copy as Date).getTime())) ? undefined : { path, problem: "is a Date that changes in the envelope" };
  // The serializer's other tagged types (RegExp, Error, URL, typed arrays) keep their class; their contents are its business.
  if (!Array.isArray(original) && prototype !== Object.prototype && prototype !== null) return undefined;
  for (const key of Object.keys(original)) {
    const childPath = Array.isArray(original) ? `${path}[${key}]` : `${path}.${key}`;
    const loss = firstLoss((original as Record<string, unknown>)[key], (copy as Record<string, unknown>)[key], childPath, seen);
    if (loss) return loss;
  }
  return undefined;
}

function firstLossInEntries(original: unknown[][], copy: unknown[][], path: string, seen: Set<object>, describeKey: (key: unknown) => string): { path: string; problem: string } | undefined {
  if (original.length !== copy.length) return { path, problem: `has ${original.length} entries but arrives with ${copy.length}` };
  for (let index = 0; index < original.length; index++) {
    const [key, value] = original[index]!;
    const [copyKey, copyValue] = copy[index]!;
    const loss = firstLoss(key, copyKey, `${path} key`, seen) ?? firstLoss(value, copyValue, describeKey(key), seen);
    if (loss) return loss;
  }
  return undefined;
}

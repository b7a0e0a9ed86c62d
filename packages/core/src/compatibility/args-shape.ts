/** Where two payloads (plain JSON) differ in shape, not in values: the first path found. */
export interface ShapeDifference {
  /** `user.email`, `items.0.sku`, or "" for the args themselves. */
  readonly path: string;
  readonly description: string;
}

/**
 * Compares kinds (object, array, string, number, boolean, null) and object keys,
 * recursively; values themselves may differ. Arrays compare element by element up to
 * the shorter one, so an example with fewer items is not a change of shape.
 */
export function firstShapeDifference(recorded: unknown, current: unknown, path = ""): ShapeDifference | undefined {
  const was = kindOf(recorded);
  const now = kindOf(current);
  if (was !== now) return { path, description: `${label(path)} was ${article(was)} in the sample, ${article(now)} now` };
  if (was === "array") {
    const [before, after] = [recorded as unknown[], current as unknown[]];
    for (let index = 0; index < Math.min(before.length, after.length); index++) {
      const difference = firstShapeDifference(before[index], after[index], join(path, String(index)));
      if (difference) return difference;
    }
  }
  if (was === "object") {
    const [before, after] = [recorded as Record<string, unknown>, current as Record<string, unknown>];
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) return { path: join(path, key), description: `${label(join(path, key))} is in the sample but no longer in the args` };
    }
    for (const key of Object.keys(after)) {
      if (!Object.hasOwn(before, key)) return { path: join(path, key), description: `${label(join(path, key))} is new: the sample has no such field` };
      const difference = firstShapeDifference(before[key], after[key], join(path, key));
      if (difference) return difference;
    }
  }
  return undefined;
}

type Kind = "object" | "array" | "string" | "number" | "boolean" | "null" | "missing";

function kindOf(value: unknown): Kind {
  if (value === null) return "null";
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return "array";
  const kind = typeof value;
  return kind === "string" || kind === "number" || kind === "boolean" ? kind : "object";
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function label(path: string): string {
  return path === "" ? "the args" : `field ${path}`;
}

function article(kind: Kind): string {
  return kind === "missing" ? "missing" : kind === "null" ? "null" : `${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind}`;
}

import { SuperJSON } from "superjson";
import { ConfigurationError } from "../errors/configuration-error.js";

/**
 * Job arguments keep rich types (Date, BigInt, Map, Set, RegExp, undefined,
 * Uint8Array, and any nesting of them) through superjson's tagged encoding:
 * plain JSON in `args`, type annotations beside it in `argsMeta`.
 * superjson also refuses `__proto__`/`constructor` paths, so a hostile
 * annotation cannot pollute prototypes.
 */
const serializer = new SuperJSON();

serializer.registerCustom<Uint8Array, string>(
  {
    isApplicable: (value): value is Uint8Array => value instanceof Uint8Array && !Buffer.isBuffer(value),
    serialize: (value) => Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64"),
    deserialize: (value) => new Uint8Array(Buffer.from(base64Text(value, "Uint8Array"), "base64")),
  },
  "Uint8Array",
);
serializer.registerCustom<Buffer, string>(
  {
    isApplicable: (value): value is Buffer => Buffer.isBuffer(value),
    serialize: (value) => value.toString("base64"),
    deserialize: (value) => Buffer.from(base64Text(value, "Buffer"), "base64"),
  },
  "Buffer",
);

/**
 * The annotated value as the writer left it: base64 text. Anything else comes from a hand-made body, and
 * `Buffer.from` would take it as an array-like (`{ length: 2e9 }`: gigabytes filled synchronously).
 */
function base64Text(value: unknown, type: string): string {
  if (typeof value !== "string") throw new TypeError(`args annotated as ${type} must be base64 text, got ${value === null ? "null" : typeof value}`);
  return value;
}

export interface SerializedArgs {
  readonly json: unknown;
  readonly meta?: unknown;
}

/** `json` is `args` itself when they are plain JSON: encode it before handing `args` back to code that may mutate them. */
export function serializeArgs(args: unknown): SerializedArgs {
  // Most args are plain JSON, which superjson would copy unchanged and leave
  // unannotated; one check is several times cheaper than its walk.
  if (isPlainJson(args, new Set())) return { json: args };
  const lost = untransportable(args, "args", new Set());
  if (lost !== undefined) {
    throw new ConfigurationError({ field: lost.path, message: `is a ${lost.kind}, which JSON cannot carry: the job would run without it; pass plain data, such as an id` });
  }
  const { json, meta } = serializer.serialize(args);
  return meta === undefined ? { json } : { json, meta };
}

/** The first function or symbol in `value` and its path (a Map's or Set's own path for one inside it), or undefined. */
function untransportable(value: unknown, path: string, seen: Set<object>): { path: string; kind: "function" | "symbol" } | undefined {
  if (typeof value === "function" || typeof value === "symbol") return { path, kind: typeof value as "function" | "symbol" };
  // Binary data holds bytes only, and walking it would visit each one.
  if (typeof value !== "object" || value === null || seen.has(value) || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return undefined;
  seen.add(value);
  // A class instance is the serializer's and its own business (a toJSON, a library's internals): only plain data is walked.
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (!Array.isArray(value) && !(value instanceof Map) && !(value instanceof Set) && prototype !== Object.prototype && prototype !== null) return undefined;
  if (value instanceof Map || value instanceof Set) {
    for (const entry of value instanceof Map ? [...value.keys(), ...value.values()] : value) {
      const found = untransportable(entry, path, seen);
      if (found !== undefined) return { path, kind: found.kind };
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const found = untransportable(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, seen);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function deserializeArgs(serialized: SerializedArgs): unknown {
  refuseAllocatingAnnotations(serialized.json, serialized.meta);
  const args = serializer.deserialize({ json: serialized.json as never, meta: serialized.meta as never });
  const shared = (serialized.meta as { referentialEqualities?: unknown } | undefined)?.referentialEqualities;
  if (shared !== undefined) refuseExpansion(serialized.json, args);
  return args;
}

/** The longest BigInt text taken: its parse is quadratic in its digits, and no job's number needs more. */
const maxBigIntDigits = 4096;

/**
 * superjson's own decoders of typed arrays (`new Float64Array(value)`) and BigInts (`BigInt(value)`) take whatever the
 * JSON holds: a number or `{ length: 1e9 }` allocates that much, megabytes of digits take seconds. The encoder writes an
 * array of numbers and a string of digits; the annotations (`meta.values`: paths into the JSON, each an annotation,
 * or an annotation and the annotations inside it) are checked against those before anything is decoded.
 */
function refuseAllocatingAnnotations(json: unknown, meta: unknown): void {
  if (typeof meta !== "object" || meta === null) return;
  const { values, v } = meta as { values?: unknown; v?: unknown };
  visitAnnotations(values, json, v === undefined);
}

function visitAnnotations(tree: unknown, node: unknown, legacyPaths: boolean): void {
  if (Array.isArray(tree)) {
    checkAnnotation(tree[0], node);
    if (tree.length > 1) visitAnnotations(tree[1], node, legacyPaths);
    return;
  }
  if (typeof tree !== "object" || tree === null) return;
  for (const [path, subtree] of Object.entries(tree)) visitAnnotations(subtree, valueAt(node, pathSegments(path, legacyPaths)), legacyPaths);
}

function checkAnnotation(annotation: unknown, value: unknown): void {
  const type = Array.isArray(annotation) ? annotation[0] : annotation;
  if (type === "typed-array" && !(Array.isArray(value) && value.every((item) => typeof item === "number"))) {
    throw new TypeError("args annotated as a typed array must be an array of numbers");
  }
  if (type === "bigint" && !(typeof value === "string" && value.length <= maxBigIntDigits)) {
    throw new TypeError(`args annotated as a BigInt must be its digits as text, at most ${maxBigIntDigits}`);
  }
}

/** A path of `meta.values` as superjson writes it: segments joined by dots, a dot or backslash in a key escaped (none in legacy paths). */
function pathSegments(path: string, legacyPaths: boolean): string[] {
  if (legacyPaths) return path.split(".");
  const segments: string[] = [];
  let segment = "";
  for (let index = 0; index < path.length; index++) {
    const character = path[index]!;
    if (character === "\\" && (path[index + 1] === "." || path[index + 1] === "\\")) {
      segment += path[++index]!;
    } else if (character === ".") {
      segments.push(segment);
      segment = "";
    } else {
      segment += character;
    }
  }
  segments.push(segment);
  return segments;
}

function valueAt(node: unknown, segments: readonly string[]): unknown {
  let value = node;
  for (const segment of segments) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/**
 * The encoder writes each shared object in full wherever it appears and notes the sharing (`referentialEqualities`),
 * so args walked as a tree are never larger than their JSON. A hand-made note can make a few small arrays stand for
 * each other's contents, doubling at each step (a 1.5 KB body, 2^40 leaves), which a schema, an upgrade or the job
 * would then walk for hours: such args are refused. Cycles the note makes (a Hopper-encoded cyclic value) are
 * followed once, as an encoder would.
 */
function refuseExpansion(json: unknown, args: unknown): void {
  const limit = containers(json, Number.POSITIVE_INFINITY);
  if (containers(args, limit) > limit) throw new TypeError("args' referentialEqualities make them larger than their JSON: the annotation is not one Hopper writes");
}

/**
 * Arrays, plain objects, Maps and Sets reached walking `value` as a tree (not through a cycle), counting no further
 * than past `limit`. Dates, RegExps and bytes are leaves, as their JSON text is; a Map or Set is no larger in
 * containers than the arrays its JSON holds.
 */
function containers(value: unknown, limit: number): number {
  let count = 0;
  const onPath = new Set<object>();
  const walk = (node: unknown): void => {
    if (!isContainer(node) || onPath.has(node) || count > limit) return;
    count += 1;
    onPath.add(node);
    const children = node instanceof Map ? [...node.keys(), ...node.values()] : node instanceof Set ? [...node] : Object.values(node);
    for (const child of children) walk(child);
    onPath.delete(node);
  };
  walk(value);
  return count;
}

function isContainer(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value) || value instanceof Map || value instanceof Set) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * True when superjson would encode `value` as itself with no annotations:
 * null, booleans, strings, finite numbers other than -0, and arrays and
 * Object-prototype objects of those, each object reached once (superjson
 * annotates shared references), no holes, no keys it treats specially.
 */
function isPlainJson(value: unknown, seen: Set<object>): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (seen.has(value)) return false;
      seen.add(value);
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) if (!(index in value) || !isPlainJson(value[index], seen)) return false;
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key in value) {
        if (!Object.hasOwn(value, key) || specialKeys.has(key) || !isPlainJson((value as Record<string, unknown>)[key], seen)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

const specialKeys = new Set(["__proto__", "constructor", "prototype"]);

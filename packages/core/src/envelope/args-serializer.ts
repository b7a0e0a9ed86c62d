import { SuperJSON } from "superjson";

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
  const { json, meta } = serializer.serialize(args);
  return meta === undefined ? { json } : { json, meta };
}

export function deserializeArgs(serialized: SerializedArgs): unknown {
  const args = serializer.deserialize({ json: serialized.json as never, meta: serialized.meta as never });
  const shared = (serialized.meta as { referentialEqualities?: unknown } | undefined)?.referentialEqualities;
  if (shared !== undefined) refuseExpansion(serialized.json, args);
  return args;
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

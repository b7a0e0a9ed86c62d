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
    deserialize: (value) => new Uint8Array(Buffer.from(value, "base64")),
  },
  "Uint8Array",
);
serializer.registerCustom<Buffer, string>(
  {
    isApplicable: (value): value is Buffer => Buffer.isBuffer(value),
    serialize: (value) => value.toString("base64"),
    deserialize: (value) => Buffer.from(value, "base64"),
  },
  "Buffer",
);

export interface SerializedArgs {
  readonly json: unknown;
  readonly meta?: unknown;
}

export function serializeArgs(args: unknown): SerializedArgs {
  const { json, meta } = serializer.serialize(args);
  return meta === undefined ? { json } : { json, meta };
}

export function deserializeArgs(serialized: SerializedArgs): unknown {
  return serializer.deserialize({ json: serialized.json as never, meta: serialized.meta as never });
}

import { describe, expect, it } from "vitest";
import { SuperJSON } from "superjson";
import { MalformedEnvelopeError } from "../errors/malformed-envelope-error.js";
import { deserializeArgs, serializeArgs } from "./args-serializer.js";
import { decodeEnvelope, encodeEnvelope, ENVELOPE_FORMAT_VERSION, type Envelope } from "./envelope.js";

const base: Envelope = {
  hopper: ENVELOPE_FORMAT_VERSION,
  id: "0b7f6a52-1d3e-4c1a-9a57-3f1c2b9d8e01",
  job: "SendWelcomeEmail",
  version: 2,
  args: { userId: "42" },
  queue: "mailers",
  priority: 0,
  enqueuedAt: "2026-11-24T10:00:00.000Z",
  attempt: 1,
  meta: { traceparent: "00-abc-def-01" },
};

function roundTrip(args: unknown): unknown {
  const serialized = serializeArgs(args);
  const body = encodeEnvelope({ ...base, args: serialized.json, ...(serialized.meta !== undefined && { argsMeta: serialized.meta }) });
  const decoded = decodeEnvelope(body);
  return deserializeArgs({ json: decoded.args, meta: decoded.argsMeta });
}

describe("args keep rich types through the envelope", () => {
  it.each([
    ["Date", new Date("2026-01-02T03:04:05.678Z")],
    ["BigInt beyond 2^53", 2n ** 80n + 1n],
    ["Map with non-string keys", new Map<unknown, unknown>([[1, "one"], ["two", 2n]])],
    ["Set", new Set(["a", 1, new Date(0)])],
    ["Uint8Array", new Uint8Array([0, 1, 254, 255])],
    ["undefined inside objects", { present: 1, absent: undefined }],
    ["RegExp", /hop+er/gi],
    ["unicode strings", "h\u00e9llo \ud83d\ude80 \u6f22\u5b57"],
  ])("%s", (_label, value) => {
    expect(roundTrip(value)).toEqual(value);
  });

  it("nested combinations", () => {
    const value = {
      when: new Date(5),
      counts: new Map([["a", new Set([1n, 2n])]]),
      blobs: [new Uint8Array([1, 2]), { deeper: new Map([[new Date(7), [3n]]]) }],
    };
    const result = roundTrip(value) as typeof value;
    expect(result).toEqual(value);
    expect(result.blobs[0]).toBeInstanceOf(Uint8Array);
    expect(result.counts.get("a")).toBeInstanceOf(Set);
  });

  it("plain JSON args carry no type annotations", () => {
    const serialized = serializeArgs({ a: 1, b: ["x"] });
    expect(serialized).toEqual({ json: { a: 1, b: ["x"] } });
  });

  it("encodes every value exactly as superjson does, plain JSON or not", () => {
    const shared = { n: 1 };
    const holey = [1, , 3];
    const nullPrototype = Object.assign(Object.create(null) as object, { a: 1 });
    class Point {
      constructor(readonly x: number) {}
    }
    const values: unknown[] = [
      null, true, "text", 0, 1.5, -0, NaN, Infinity, -Infinity, [], {}, [1, "a", null, { b: [true] }],
      { deep: { deeper: { deepest: ["x"] } } }, { undefinedValue: undefined }, [undefined], { shared, again: shared }, [shared, shared],
      holey, nullPrototype, new Point(1), { date: new Date(0) }, { big: 1n }, { set: new Set([1]) }, JSON.parse('{"__proto__": {"x": 1}}'),
      { constructor: "c" }, { prototype: 1 },
    ];
    const reference = new SuperJSON();
    for (const [index, value] of values.entries()) {
      expect(outcome(() => serializeArgs(value)), `value #${index}`).toEqual(outcome(() => withoutUndefinedMeta(reference.serialize(value))));
    }
  });

  it("refuses type annotations that would pollute prototypes", () => {
    expect(() => deserializeArgs({ json: { a: "x" }, meta: { values: { "__proto__.polluted": ["Date"] } } })).toThrow();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("decodeEnvelope refuses what is not a Hopper envelope", () => {
  const cases: [string, string, string | undefined, RegExp][] = [
    ["truncated JSON", encodeEnvelope(base).slice(0, 40), undefined, /not JSON/],
    ["a JSON array", "[1,2]", undefined, /not a JSON object/],
    ["JSON null", "null", undefined, /not a JSON object/],
    ["an unknown format version", JSON.stringify({ ...base, hopper: 2 }), "hopper", /format 2 is not supported/],
    ["a numeric id", JSON.stringify({ ...base, id: 7 }), "id", /id must be a non-empty string, got 7/],
    ["an empty job name", JSON.stringify({ ...base, job: "" }), "job", /job must be a non-empty string/],
    ["a fractional version", JSON.stringify({ ...base, version: 1.5 }), "version", /version must be a safe integer ≥ 1/],
    ["a huge attempt", '{"hopper":1,"id":"x","job":"J","version":1,"args":1,"queue":"q","priority":0,"enqueuedAt":"2026-01-01T00:00:00Z","attempt":1e400,"meta":{}}', "attempt", /attempt must be a safe integer/],
    ["a bad timestamp", JSON.stringify({ ...base, enqueuedAt: "yesterday" }), "enqueuedAt", /ISO 8601/],
    ["non-string meta", JSON.stringify({ ...base, meta: { n: 1 } }), "meta", /object of strings/],
    ["missing args", JSON.stringify({ ...base, args: undefined }), "args", /args is missing/],
  ];
  it.each(cases)("%s", (_label, body, field, message) => {
    let caught: unknown;
    try {
      decodeEnvelope(body);
    } catch (error) {
      caught = error;
    }
    expect(MalformedEnvelopeError.isInstance(caught)).toBe(true);
    expect((caught as MalformedEnvelopeError).field).toBe(field);
    expect((caught as Error).message).toMatch(message);
  });

  it("keeps a __proto__ key in meta as plain data", () => {
    const decoded = decodeEnvelope(encodeEnvelope(base).replace('"meta":{', '"meta":{"__proto__":"x",'));
    expect(Object.keys(decoded.meta)).toContain("__proto__");
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("reads an envelope without the fields that hold their defaults as those defaults (version 1, priority 0, attempt 1, no meta)", () => {
    const { version: _version, priority: _priority, attempt: _attempt, meta: _meta, ...lean } = base;
    expect(decodeEnvelope(JSON.stringify(lean))).toEqual({ ...lean, version: 1, priority: 0, attempt: 1, meta: {} });
    // Present, each is checked as before: null is not absent.
    for (const field of ["version", "priority", "attempt"]) {
      expect(() => decodeEnvelope(JSON.stringify({ ...lean, [field]: null }))).toThrow(new RegExp(`envelope field ${field} must be a safe integer`));
    }
  });

  it("round-trips every optional field", () => {
    const full: Envelope = { ...base, argsMeta: { values: {} }, runAt: "2026-11-24T10:05:00.000Z", orderingKey: "account-1", dedupeKey: "welcome-42", priority: 5, attempt: 3 };
    expect(decodeEnvelope(encodeEnvelope(full))).toEqual(full);
  });
});

function withoutUndefinedMeta(serialized: { json: unknown; meta?: unknown }): { json: unknown; meta?: unknown } {
  return serialized.meta === undefined ? { json: serialized.json } : serialized;
}

function outcome(run: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: run() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

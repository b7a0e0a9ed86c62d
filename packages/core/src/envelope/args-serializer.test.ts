import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../errors/configuration-error.js";
import { deserializeArgs, serializeArgs } from "./args-serializer.js";

describe("args with binary values", () => {
  it("round-trip Buffers and Uint8Arrays as base64 text", () => {
    const args = { file: Buffer.from("hello"), bytes: new Uint8Array([1, 2, 3]) };
    const back = deserializeArgs(JSON.parse(JSON.stringify(serializeArgs(args))) as never) as typeof args;
    expect(Buffer.isBuffer(back.file) && back.file.toString()).toBe("hello");
    expect([...back.bytes]).toEqual([1, 2, 3]);
  });

  it("refuse an annotated value that is not text, at once, instead of filling the length a hand-made body names", () => {
    for (const type of ["Buffer", "Uint8Array"]) {
      for (const value of [{ length: 100_000_000 }, [1, 2, 3], 42, null]) {
        const startedAt = Date.now();
        expect(() => deserializeArgs({ json: { x: value }, meta: { values: { x: [["custom", type]] } } })).toThrow(`args annotated as ${type} must be base64 text`);
        expect(Date.now() - startedAt).toBeLessThan(1000);
      }
    }
  });
});

describe("args annotated as typed arrays or BigInts", () => {
  it("round-trip as the encoder writes them, at any depth and under keys with dots", () => {
    const args = { f: new Float64Array([1.5, 2]), n: 10n ** 30n, "a.b": { c: new Int16Array([-3]) }, m: new Map([[1, new Float32Array([3])]]), list: [new Uint16Array([7])] };
    const back = deserializeArgs(JSON.parse(JSON.stringify(serializeArgs(args))) as never) as typeof args;
    expect([...back.f]).toEqual([1.5, 2]);
    expect(back.n).toBe(10n ** 30n);
    expect([...back["a.b"].c]).toEqual([-3]);
    expect([...back.m.get(1)!]).toEqual([3]);
    expect(back.list[0]![0]).toBe(7);
  });

  it("refuse a hand-made value that would allocate what it names or parse for seconds, before decoding", () => {
    const annotated = (value: unknown, annotation: unknown) => ({ json: { x: value }, meta: { values: { x: annotation }, v: 1 } });
    for (const value of [2_000_000_000, { length: 10_000_000 }, "1234", [1, "2"]]) {
      expect(() => deserializeArgs(annotated(value, [["typed-array", "Float64Array"]]))).toThrow("must be an array of numbers");
    }
    expect(() => deserializeArgs(annotated("9".repeat(5000), ["bigint"]))).toThrow("digits as text, at most 4096");
    expect(() => deserializeArgs(annotated(12, ["bigint"]))).toThrow("digits as text");
    // Inside a Map's entries, as the encoder nests them.
    expect(() => deserializeArgs({ json: { m: [[1, 5e8]] }, meta: { values: { m: ["map", { "0.1": [["typed-array", "Uint8Array"]] }] }, v: 1 } })).toThrow("must be an array of numbers");
  });
});

describe("args with shared references", () => {
  const roundTrip = (args: unknown) => deserializeArgs(JSON.parse(JSON.stringify(serializeArgs(args))) as never);

  it("keep the sharing and the cycles Hopper's encoder noted", () => {
    const shared = { at: new Date(0) };
    const back = roundTrip({ a: shared, b: shared, list: [shared] }) as { a: object; b: object; list: object[] };
    expect(back.a).toBe(back.b);
    expect(back.list[0]).toBe(back.a);
    const cyclic: Record<string, unknown> = { n: 1, when: new Date(0) };
    cyclic.self = cyclic;
    const again = roundTrip(cyclic) as Record<string, unknown>;
    expect(again.self).toBe(again);
  });

  it("refuse a hand-made note that makes small args stand for an exponentially larger tree, at once", () => {
    // 41 arrays, each holding the next twice: 2^40 leaves when walked as a tree, from ~1.5 KB of body.
    const depth = 40;
    const json: Record<string, unknown> = {};
    const equalities: Record<string, string[]> = {};
    for (let level = 0; level <= depth; level++) json[`l${level}`] = level === depth ? [] : [null, null];
    for (let level = 0; level < depth; level++) equalities[`l${level + 1}`] = [`l${level}.0`, `l${level}.1`];
    const startedAt = Date.now();
    expect(() => deserializeArgs({ json, meta: { referentialEqualities: equalities, v: 1 } })).toThrow(/larger than their JSON/);
    expect(Date.now() - startedAt).toBeLessThan(1000);
  });
});

describe("args that cannot travel", () => {
  it("refuses a function or a symbol, at the top or nested, naming its path (JSON would drop it, and the job run without it)", () => {
    const fieldOf = (args: unknown) => {
      try {
        serializeArgs(args);
      } catch (error) {
        if (ConfigurationError.isInstance(error)) return error.field;
        throw error;
      }
      return undefined;
    };
    expect(fieldOf(() => 1)).toBe("args");
    expect(fieldOf(Symbol("x"))).toBe("args");
    expect(fieldOf({ user: { notify() {} } })).toBe("args.user.notify");
    expect(fieldOf({ list: [1, Symbol.iterator] })).toBe("args.list[1]");
    expect(fieldOf({ at: new Date(0), tags: new Set(["a", () => 0]) })).toBe("args.tags");
    expect(fieldOf({ at: new Date(0), ids: new Map([["a", 1n]]), nothing: undefined })).toBeUndefined();
    // A class instance is not walked: its own functions are its business (a library's value with a toJSON).
    class Money {
      readonly format = () => "1.00 EUR";
      toJSON() {
        return "1.00 EUR";
      }
    }
    expect(fieldOf({ at: new Date(0), price: new Money() })).toBeUndefined();
  });
});


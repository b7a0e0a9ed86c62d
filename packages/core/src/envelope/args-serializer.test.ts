import { describe, expect, it } from "vitest";
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

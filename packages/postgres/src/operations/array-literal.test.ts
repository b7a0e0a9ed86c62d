import { describe, expect, it } from "vitest";
import { integerArrayLiteral, textArrayLiteral } from "./array-literal.js";

// What the server stores from these literals is checked in postgres-enqueue-parameters.test.ts; here, which columns take the literal.
describe("array literals of the enqueue's parameters", () => {
  it("quotes every element of a column of plain text, in one literal", () => {
    expect(textArrayLiteral(["9b2c-1", "queue-a", "a,b {c} NULL", ""])).toBe('{"9b2c-1","queue-a","a,b {c} NULL",""}');
  });

  it("writes a column of nothing but NULLs as NULLs, and an empty column as {}", () => {
    expect(textArrayLiteral([null, undefined, null])).toBe("{NULL,NULL,NULL}");
    expect(textArrayLiteral([])).toBe("{}");
  });

  it("leaves a column with a quote, a backslash, or NULLs beside text to the driver", () => {
    const quoted = ["plain", 'say "hi"'];
    const slashed = ["back\\slash"];
    const mixed = ["key", null];
    expect(textArrayLiteral(quoted)).toBe(quoted);
    expect(textArrayLiteral(slashed)).toBe(slashed);
    expect(textArrayLiteral(mixed)).toBe(mixed);
  });

  it("joins integers", () => {
    expect(integerArrayLiteral([0, -3, 250, 60000])).toBe("{0,-3,250,60000}");
  });
});

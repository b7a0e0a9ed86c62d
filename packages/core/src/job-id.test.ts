import { describe, expect, it } from "vitest";
import { randomJobId } from "./job-id.js";

const version4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("randomJobId", () => {
  // Past several refills of the random bytes: the last ids of one and the first of the next are in it.
  const ids = Array.from({ length: 2000 }, () => randomJobId());

  it("gives version 4 UUIDs, in randomUUID's lowercase form", () => {
    expect(ids.filter((id) => !version4.test(id))).toEqual([]);
  });

  it("never repeats an id, across refills", () => {
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("draws every hex digit in every random position (the bytes are used, not a fixed pattern)", () => {
    for (const position of [0, 9, 14 + 1, 19 + 1, 35]) {
      expect(new Set(ids.map((id) => id[position])).size).toBe(16);
    }
  });
});

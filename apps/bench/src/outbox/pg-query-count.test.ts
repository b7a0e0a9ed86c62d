import { describe, expect, it } from "vitest";
import { queryDelta, queryKind } from "./pg-query-count.js";

describe("queryKind", () => {
  it("names a statement by its first keyword, from text or a query config", () => {
    expect(queryKind("SELECT 1")).toBe("SELECT");
    expect(queryKind("\n   delete from t")).toBe("DELETE");
    expect(queryKind({ name: "s1", text: "INSERT INTO t VALUES (1)" })).toBe("INSERT");
  });

  it("files what it cannot read under OTHER", () => {
    expect(queryKind(undefined)).toBe("OTHER");
    expect(queryKind({ text: 42 })).toBe("OTHER");
    expect(queryKind("(SELECT 1)")).toBe("OTHER");
  });
});

describe("queryDelta", () => {
  it("keeps the kinds that moved, by how much", () => {
    const before = new Map([["SELECT", 3], ["DELETE", 1]]);
    const after = new Map([["SELECT", 7], ["DELETE", 1], ["BEGIN", 2]]);
    expect(queryDelta(before, after)).toEqual({ SELECT: 4, BEGIN: 2 });
  });
});

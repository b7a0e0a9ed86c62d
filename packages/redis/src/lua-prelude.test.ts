import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseHelperFile, preludeFor } from "./lua-prelude.js";

// The helper file's parts, named so the expected preludes read as which parts they keep.
const statement = "if redis.replicate_commands then redis.replicate_commands() end";
const baseHelper = ["local function base_helper(value)", "  return value + 1", "end"];
const sharedTable = "local shared_table = { a = true }";
const usesBase = ["local function uses_base(value)", "  -- unused_helper is only named in this comment", "  return base_helper(value) + (shared_table.a and 1 or 0)", "end"];
const unusedHelper = ["local function unused_helper()", "  return 'uses_base in a string'", "end"];
const aliases = "local first_alias, second_alias = 1, 2";
const helpers = parseHelperFile(
  "helpers.lua",
  ["--[[", "A header that names unused_helper and is not code.", "]]", statement, "-- A comment about base_helper.", ...baseHelper, sharedTable, ...usesBase, ...unusedHelper, aliases].join("\n"),
);

describe("preludeFor: the helpers a script uses", () => {
  it("keeps what the body names and what that names, in file order, and every statement", () => {
    expect(preludeFor([helpers], "return uses_base(1)")).toBe([statement, ...baseHelper, sharedTable, ...usesBase].join("\n"));
  });

  it("leaves out helpers named only in comments or strings of the body", () => {
    const prelude = preludeFor([helpers], "-- base_helper\nreturn 'uses_base'");
    expect(prelude).toBe(statement);
  });

  it("keeps a local of several names when the body names any of them", () => {
    expect(preludeFor([helpers], "return second_alias")).toBe([statement, aliases].join("\n"));
  });

  it("lets a later file use an earlier file's helpers", () => {
    const later = parseHelperFile("later.lua", "local function later_helper()\n  return base_helper(2)\nend");
    const prelude = preludeFor([helpers, later], "return later_helper()");
    expect(prelude.indexOf("local function base_helper")).toBeGreaterThan(-1);
    expect(prelude.indexOf("local function base_helper")).toBeLessThan(prelude.indexOf("local function later_helper"));
    expect(prelude).not.toContain("uses_base");
  });

  it("refuses a helper file whose layout it cannot split, naming the file and line", () => {
    expect(() => parseHelperFile("bad.lua", "local function open_ended()\n  return 1")).toThrow(/bad\.lua:1: function open_ended has no "end" at column 0/);
    expect(() => parseHelperFile("bad.lua", "local table_over_lines = {\n  a = 1,\n}")).toThrow(/bad\.lua:1: a top-level statement spread over lines/);
    expect(() => parseHelperFile("bad.lua", "if ready then\n  go()\nend")).toThrow(/bad\.lua:1: a top-level statement spread over lines/);
    expect(() => parseHelperFile("bad.lua", "--[[ never closed")).toThrow(/bad\.lua:1: a block comment that never closes/);
    expect(() => parseHelperFile("bad.lua", "local text = [[ -- not a comment ]]")).toThrow(/bad\.lua:1: a long bracket/);
    expect(() => parseHelperFile("bad.lua", "---[[ a line comment, not a block\nlocal x = 1")).toThrow(/bad\.lua:1: a long bracket/);
    expect(() => preludeFor([helpers], "--[[ header ]]\nreturn [==[ uses_base ]==]", "body.lua")).toThrow(/body\.lua:2: a long bracket/);
    expect(() => parseHelperFile("fine.lua", "--[==[ a header\n]==]\nlocal x = 1")).not.toThrow();
    expect(preludeFor([helpers], "  --[[ an indented block comment ]]\nreturn 1", "body.lua")).toBe(statement);
  });

  it("defines, for every script shipped, each helper the script and its kept helpers name", () => {
    const read = (file: string) => readFileSync(new URL(`./scripts/${file}`, import.meta.url), "utf8");
    const files = [parseHelperFile("common.lua", read("common.lua")), parseHelperFile("records.lua", read("records.lua"))];
    const helperNames = new Set(files.flatMap((file) => file.parts.flatMap((part) => part.names)));
    const scripts = readdirSync(new URL("./scripts/", import.meta.url)).filter((file) => file.endsWith(".lua") && file !== "common.lua" && file !== "records.lua");
    expect(scripts.length).toBeGreaterThan(20);
    for (const script of scripts) {
      const body = read(script);
      const prelude = preludeFor(files, body);
      const defined = new Set([...prelude.matchAll(/^local (?:function )?([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)/gm)].flatMap((match) => match[1]!.split(/\s*,\s*/)));
      const named = new Set(`${prelude}\n${body}`.match(/[A-Za-z_][A-Za-z0-9_]*/g));
      for (const name of helperNames) {
        if (named.has(name) && !defined.has(name)) {
          // Named only in a comment or a string is fine: check the name is not used as code.
          expect(`${prelude}\n${body}`.split("\n").filter((line) => new RegExp(`\\b${name}\\b`).test(line.replace(/--.*$/, "").replace(/'[^']*'/g, ""))), `${script} uses ${name}`).toEqual([]);
        }
      }
    }
    // The scripts that write no record no longer define records.lua's functions.
    for (const script of ["nack.lua", "extend-lease.lua", "take-scheduled.lua", "stats.lua"]) expect(preludeFor(files, read(script))).not.toMatch(/local function record_/);
  });
});

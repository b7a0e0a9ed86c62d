/**
 * Shared Lua helpers (common.lua, records.lua) cut to what one script uses.
 *
 * Redis runs a script's whole text on every call, so each helper defined in
 * front of it is a closure made per call (~1,000 server instructions each):
 * records.lua's 21 functions cost a one-message enqueue ~25,000 instructions,
 * and scripts that write no record (nack, extend-lease) paid them too. Here a
 * script gets only the top-level definitions it names, and the ones those
 * name in turn, in the order the files give them (a Lua local is visible only
 * below its definition).
 *
 * The helper files keep a plain layout, checked here: at column 0 only
 * comments, `local function name(` … `end`, one-line `local name = …`, and
 * one-line statements (kept in every script).
 */

interface Definition {
  names: string[];
  text: string;
  uses: Set<string>;
}

export interface HelperFile {
  /** Definitions and kept statements in file order; statements have no names. */
  parts: Definition[];
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;
const FUNCTION_START = /^local function ([A-Za-z_][A-Za-z0-9_]*)\s*\(/;
const LOCAL_START = /^local ([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*=/;

/**
 * Long brackets are read only as a block comment opening a line (`--[[`, a file's header): elsewhere (a long
 * string, `---[[`, which is a line comment) codeOnly() would misread where code starts and ends, so they are refused.
 */
function refuseLongBrackets(name: string, text: string): void {
  text.split("\n").forEach((line, index) => {
    const at = line.search(/\[=*\[/);
    const opening = /^\s*--\[=*\[/.exec(line);
    if (at !== -1 && (!opening || opening[0].indexOf("[") !== at)) {
      throw new Error(`${name}:${index + 1}: a long bracket ([[ or [=[) that is not a block comment opening the line (lua-prelude.ts reads helper files of a plain layout)`);
    }
  });
}

/** Lua text without its comments and string contents: what remains can name helpers. */
function codeOnly(text: string): string {
  return text
    .replace(/--\[(=*)\[[\s\S]*?\]\1\]/g, " ")
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''")
    .replace(/--[^\n]*/g, " ");
}

function identifiers(text: string): Set<string> {
  return new Set(codeOnly(text).match(IDENTIFIER) ?? []);
}

function balanced(line: string): boolean {
  const code = codeOnly(line);
  let depth = 0;
  for (const char of code) {
    if (char === "{" || char === "(") depth += 1;
    if (char === "}" || char === ")") depth -= 1;
  }
  return depth === 0;
}

/** Splits a helper file into its top-level definitions and statements; `name` is for errors. */
export function parseHelperFile(name: string, source: string): HelperFile {
  refuseLongBrackets(name, source);
  const lines = source.split("\n");
  const parts: Definition[] = [];
  const fail = (index: number, why: string): never => {
    throw new Error(`${name}:${index + 1}: ${why} (lua-prelude.ts reads helper files of a plain layout)`);
  };
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (line.trim() === "" || /^\s/.test(line)) {
      if (line.trim() !== "") fail(index, "an indented line outside a function");
      continue;
    }
    if (line.startsWith("--[[")) {
      while (!lines[index]!.includes("]]")) {
        index += 1;
        if (index >= lines.length) fail(index - 1, "a block comment that never closes");
      }
      continue;
    }
    if (line.startsWith("--")) continue;
    const functionStart = FUNCTION_START.exec(line);
    if (functionStart) {
      const first = index;
      while (lines[index] !== "end") {
        index += 1;
        if (index >= lines.length) fail(first, `function ${functionStart[1]} has no "end" at column 0`);
      }
      const text = lines.slice(first, index + 1).join("\n");
      parts.push({ names: [functionStart[1]!], text, uses: identifiers(text.slice(line.indexOf("("))) });
      continue;
    }
    if (!balanced(line) || /\b(then|do|function)\s*$/.test(codeOnly(line).trimEnd())) fail(index, "a top-level statement spread over lines");
    const localStart = LOCAL_START.exec(line);
    if (localStart) {
      const names = localStart[1]!.split(",").map((part) => part.trim());
      parts.push({ names, text: line, uses: identifiers(line.slice(localStart[0].length)) });
    } else {
      parts.push({ names: [], text: line, uses: identifiers(line) });
    }
  }
  return { parts };
}

/**
 * The helpers `body` (the script `bodyName`, for errors) needs from `files` (in
 * the order given, each may use the ones before it), as Lua text to put in
 * front of it: every kept statement, and each definition named by the body or
 * by a definition kept.
 */
export function preludeFor(files: readonly HelperFile[], body: string, bodyName = "the script"): string {
  refuseLongBrackets(bodyName, body);
  const parts = files.flatMap((file) => file.parts);
  const wanted = identifiers(body);
  // Later definitions may be used by the body only; earlier ones by later ones: one pass from the end settles it.
  const kept = new Array<boolean>(parts.length).fill(false);
  for (let index = parts.length - 1; index >= 0; index -= 1) {
    const part = parts[index]!;
    if (part.names.length > 0 && !part.names.some((name) => wanted.has(name))) continue;
    kept[index] = true;
    for (const used of part.uses) wanted.add(used);
  }
  return parts
    .filter((_, index) => kept[index])
    .map((part) => part.text)
    .join("\n");
}

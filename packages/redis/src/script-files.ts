import { readFileSync } from "node:fs";
import { type HelperFile, parseHelperFile, preludeFor } from "./lua-prelude.js";

/** A Lua file beside the code (the build copies scripts/ to dist). */
function readScript(file: string): string {
  return readFileSync(new URL(`./scripts/${file}`, import.meta.url), "utf8");
}

// Parsed once per process: every store builds its scripts from the same helper files.
const helperFiles = new Map<string, HelperFile>();

function helperFile(file: string): HelperFile {
  let parsed = helperFiles.get(file);
  if (!parsed) {
    parsed = parseHelperFile(file, readScript(file));
    helperFiles.set(file, parsed);
  }
  return parsed;
}

/**
 * The source of script `file` as Redis runs it: `header` (lines the helpers or
 * the body read, e.g. a flag), then the helpers it uses from `helpers` (in the
 * order given, each may use the ones before it; lua-prelude.ts), then its body.
 */
export function scriptWithHelpers(file: string, helpers: readonly string[], header?: string): string {
  const body = readScript(file);
  const prelude = preludeFor(helpers.map(helperFile), body, file);
  return [header, prelude, body].filter((part) => part !== undefined && part !== "").join("\n");
}

import { readFileSync } from "node:fs";
import { ConfigurationError } from "@hopper/core";
import type { Cluster, Redis } from "ioredis";
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

// Built once per process for each file, helpers and header: every store created (on a client that has its commands
// already too) asks again, and defineCommands compares sources.
const builtScripts = new Map<string, string>();

/**
 * The source of script `file` as Redis runs it: `header` (lines the helpers or
 * the body read, e.g. a flag), then the helpers it uses from `helpers` (in the
 * order given, each may use the ones before it; lua-prelude.ts), then its body.
 */
export function scriptWithHelpers(file: string, helpers: readonly string[], header?: string): string {
  const key = `${header ?? ""}\0${helpers.join(",")}\0${file}`;
  let built = builtScripts.get(key);
  if (built === undefined) {
    const body = readScript(file);
    const prelude = preludeFor(helpers.map(helperFile), body, file);
    built = [header, prelude, body].filter((part) => part !== undefined && part !== "").join("\n");
    builtScripts.set(key, built);
  }
  return built;
}

/** The sources `defineCommands` gave a client, by command name: on the client, so every copy of this package in a process sees them. */
const definedSources = Symbol.for("@hopper/redis:defined-script-sources");

/**
 * Adds each command (name, key count or undefined when given per call, source) to `client` unless it has one by that
 * name already: another backend or store on the same client defined it, or a caller did on purpose. A command this
 * package defined there from another source is refused: two releases of @hopper/redis sharing one client would each
 * send its own arguments to whichever script came first.
 */
export function defineCommands(client: Redis | Cluster, commands: Iterable<readonly [name: string, keys: number | undefined, source: string]>): void {
  const holder = client as unknown as Record<string | symbol, unknown>;
  const defined = (holder[definedSources] ??= new Map<string, string>()) as Map<string, string>;
  for (const [name, keys, source] of commands) {
    const earlier = defined.get(name);
    if (earlier !== undefined && earlier !== source) {
      throw new ConfigurationError({ field: "client", message: `carries another release's ${name} script (two copies of @hopper/redis in one process on one ioredis client): give each its own client` });
    }
    if (typeof holder[name] === "function") continue;
    client.defineCommand(name, { ...(keys !== undefined && { numberOfKeys: keys }), lua: source });
    defined.set(name, source);
  }
}

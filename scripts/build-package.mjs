#!/usr/bin/env node
// Builds the package in the current directory as users load it: each entry point of its
// package.json (every export's "@hopper/source" file, and its bin) bundled by esbuild into
// dist/ (shared code in dist/chunks/, dependencies left to import), then tsc's declarations
// beside them. One file per entry instead of one per source module: an ES module costs a
// process about 0.2 MiB of memory whatever its size, and core alone has 160 of them
// (benchmarks/results/idle-rss-2026-12-07/README.md).
//
//   node ../../scripts/build-package.mjs [--assets <folder under src> …]
//
// --assets copies a folder of files the code reads at run time (SQL migrations, Lua
// scripts) from src/ to dist/, next to each bundled file that reads it.
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { build } from "esbuild";

const manifest = JSON.parse(readFileSync("package.json", "utf8"));

/** dist/x/index.js → the entry name esbuild writes it under ("x/index"), with the source it comes from. */
function entryPoints() {
  const entries = {};
  const add = (built, source) => {
    const name = path.posix.relative("dist", built.replace(/^\.\//, "")).replace(/\.js$/, "");
    if (name.startsWith("..")) throw new Error(`${manifest.name}: ${built} is outside dist/`);
    entries[name] = source;
  };
  for (const target of Object.values(manifest.exports ?? {})) {
    if (typeof target === "object" && target["@hopper/source"] && target.default) add(target.default, target["@hopper/source"]);
  }
  for (const built of Object.values(manifest.bin ?? {})) add(built, built.replace(/^\.\/dist\//, "./src/").replace(/\.js$/, ".ts"));
  if (Object.keys(entries).length === 0) throw new Error(`${manifest.name}: no export has an "@hopper/source" entry to build`);
  return entries;
}

function assetFolders(argv) {
  const folders = [];
  for (let index = 0; index < argv.length; index += 1) {
    if (argv[index] !== "--assets" || !argv[index + 1]) throw new Error(`usage: build-package.mjs [--assets <folder under src> …], got ${argv.join(" ")}`);
    folders.push(argv[index + 1]);
    index += 1;
  }
  return folders;
}

const assets = assetFolders(process.argv.slice(2));
rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: entryPoints(),
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22",
  // Dependencies (and sibling @hopper packages) are imported at run time, as the package declares them.
  packages: "external",
  chunkNames: "chunks/[name]-[hash]",
  sourcemap: true,
  logLevel: "warning",
});
/**
 * The directories under dist/ holding a bundled file that names `./<folder>/` (the code reads the folder next to
 * itself, by `new URL("./<folder>/…", import.meta.url)`): an entry's own file, or a shared chunk in dist/chunks/
 * once a second entry imports the module that reads it. Copied next to the entry alone, a chunk would look for
 * dist/chunks/<folder>/ and fail at run time, long after the build.
 */
function readersOf(folder) {
  const directories = new Set();
  for (const file of readdirSync("dist", { recursive: true, encoding: "utf8" })) {
    if (file.endsWith(".js") && readFileSync(path.join("dist", file), "utf8").includes(`./${folder}/`)) directories.add(path.dirname(path.join("dist", file)));
  }
  if (directories.size === 0) throw new Error(`${manifest.name}: --assets ${folder}, but no bundled file reads ./${folder}/: drop the flag, or read the folder as new URL("./${folder}/…", import.meta.url)`);
  return directories;
}

for (const folder of assets) {
  for (const directory of readersOf(folder)) cpSync(path.join("src", folder), path.join(directory, folder), { recursive: true });
}
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--emitDeclarationOnly"], { stdio: "inherit" });

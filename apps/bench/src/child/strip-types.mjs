// Loads the workspace's TypeScript in bench children the way built code runs: types removed, nothing added.
// tsx (esbuild with keepNames) wraps every named function in `__name(fn, "…")`, which gives each closure a
// property backing store (256 bytes): a running job holding nine such closures carried 2.3 KB that built
// code does not have, so the memory figures measured tsx, not Hopper. Node's own transform adds nothing.
// Used as `node --import ./strip-types.mjs` (Node ≥ 22.15: module.registerHooks and stripTypeScriptTypes).
import { existsSync, readFileSync } from "node:fs";
import { registerHooks, stripTypeScriptTypes } from "node:module";
import { fileURLToPath } from "node:url";

const typeScript = /\.m?ts$/;

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (error) {
      // Sources import each other as `./x.js` (what tsc emits); the file on disk is `./x.ts`.
      if (error?.code !== "ERR_MODULE_NOT_FOUND" || !specifier.endsWith(".js") || !context.parentURL) throw error;
      const candidate = new URL(specifier.replace(/\.js$/, ".ts"), context.parentURL);
      if (!existsSync(fileURLToPath(candidate))) throw error;
      return { url: candidate.href, format: "module", shortCircuit: true };
    }
  },
  load(url, context, next) {
    if (!url.startsWith("file:") || !typeScript.test(url) || url.includes("/node_modules/")) return next(url, context);
    const text = readFileSync(fileURLToPath(url), "utf8");
    return { format: "module", source: stripTypeScriptTypes(text, { mode: "transform", sourceUrl: url }), shortCircuit: true };
  },
});

import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import rootConfig from "../../vitest.config.js";

// `pnpm test:reliability`: the crash, restart and load scenarios (src/*.reliability.ts,
// kept out of plain `pnpm test`) and this package's hostile-input and secret tests.
// One file at a time: the scenarios load the machine and share the results file.
export default defineConfig({
  ...rootConfig,
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    ...rootConfig.test,
    include: ["packages/reliability/src/**/*.reliability.ts", "packages/reliability/src/**/*.test.ts"],
    // The packed-install run npm-installs tarballs and their dependencies from the registry: in the `full`
    // profile (`pnpm test:full`), outside CI, since one CI-like run saw that npm install outlive its 3 min bound.
    exclude: process.env.HOPPER_PROFILE === "full" ? [] : ["packages/reliability/src/packed-install.reliability.ts"],
    fileParallelism: false,
    testTimeout: 240_000,
  },
});

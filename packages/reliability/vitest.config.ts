import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import rootConfig from "../../vitest.config.js";

// `pnpm test:reliability`: the crash, restart and load scenarios (src/*.reliability.ts,
// kept out of plain `pnpm test`). This package's *.test.ts files (hostile input, secrets,
// unreachable backends) are plain tests: `pnpm test` runs them, so they are not run twice.
// One file at a time: the scenarios load the machine and share the results file.
export default defineConfig({
  ...rootConfig,
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    ...rootConfig.test,
    include: ["packages/reliability/src/**/*.reliability.ts"],
    fileParallelism: false,
    testTimeout: 240_000,
  },
});

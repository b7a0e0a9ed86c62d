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
    fileParallelism: false,
    testTimeout: 240_000,
  },
});

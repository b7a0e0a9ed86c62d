import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources through the
// "@hopper/source" export condition, so tests never need a build first.
const sourceConditions = ["@hopper/source", "module", "node", "import", "default"];
// Vitest passes ssr.resolve.conditions to the forked workers as Node `--conditions`.
// "import" there makes Node's require() pick packages' ESM entry (pg → pg-pool breaks)
// and "module" makes it load bundler-only builds (@aws-sdk/*/dist-es): keep them out.
// Vite adds import/require and default by itself.
const serverConditions = ["@hopper/source", "node", "development|production"];

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: serverConditions, externalConditions: ["@hopper/source"] } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts", "scripts/*/src/**/*.test.ts"],
    globalSetup: ["./scripts/services/src/vitest-global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most files wait on servers and timers, so two run at once even on 2 cores (vitest's
    // default there is one, which kept CI's cores mostly idle). Capped at 4: the services are
    // shared by every file of the run, and more files at once only add timing noise.
    maxWorkers: Math.min(4, Math.max(2, availableParallelism() - 1)),
  },
});

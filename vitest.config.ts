import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources through the
// "@hopper/source" export condition, so tests never need a build first.
const sourceConditions = ["@hopper/source", "module", "node", "import", "default"];

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: ["@hopper/source"] } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts", "scripts/*/src/**/*.test.ts"],
    globalSetup: ["./scripts/services/src/vitest-global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});

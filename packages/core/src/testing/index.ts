// Test helpers for packages that implement Hopper's contracts; they need vitest.
export { runCoordinationStoreSuite, type CoordinationStoreSuiteOptions } from "./coordination-store-suite.js";

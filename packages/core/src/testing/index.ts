// Test helpers for packages that implement Hopper's contracts; they need vitest.
export { runCoordinationStoreSuite, type CoordinationStoreSuiteOptions } from "./coordination-store-suite.js";
export { runCoordinationProcessSuite, type CoordinationProcessSuiteOptions } from "./coordination-process-suite.js";
export { loadCoordinationStore, type CoordinationStoreSource } from "./coordination-source.js";
export { runUniqueJobSuite, type UniqueJobSuiteOptions } from "./unique-job-suite.js";

export { runConformanceSuite, type ConformanceOptions } from "./conformance-suite.js";
export { defineScenario, type Scenario, type ScenarioContext, type CapabilityName, type DeclaredHoldLimits } from "./scenario.js";
export { receiveMessages, expectNothingFor, waitFor, sleep, testHopper, runWorkerUntil, uniqueQueueName } from "./harness.js";
export { runCoordinationStoreSuite, type CoordinationStoreSuiteOptions } from "./coordination/coordination-store-suite.js";
export { runCoordinationProcessSuite, type CoordinationProcessSuiteOptions } from "./coordination/coordination-process-suite.js";
export { loadCoordinationStore, type CoordinationStoreSource } from "./coordination/coordination-source.js";
export { runUniqueJobSuite, type UniqueJobSuiteOptions } from "./coordination/unique-job-suite.js";
export { runSchedulerEdgesSuite, type SchedulerEdgesSuiteOptions } from "./coordination/scheduler-edges-suite.js";
export { runRecordStoreSuite, type RecordStoreSuiteOptions } from "./records/record-store-suite.js";

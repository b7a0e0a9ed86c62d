export { runConformanceSuite, type ConformanceOptions } from "./conformance-suite.js";
export { defineScenario, type Scenario, type ScenarioContext, type CapabilityName } from "./scenario.js";
export { receiveMessages, expectNothingFor, waitFor, sleep, testHopper, runWorkerUntil, uniqueQueueName } from "./harness.js";

// The scenarios, for the benchmark app or a one-off run against a staging backend.
export { runCrashScenario, type CrashScenarioOptions, type CrashReport } from "./crash-scenario.js";
export { runLoadScenario, type LoadScenarioOptions, type LoadReport } from "./load-scenario.js";
export { startPostgresServer, startRedisServer, type RestartableServer } from "./reliability-servers.js";

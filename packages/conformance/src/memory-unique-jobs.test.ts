import { runUniqueJobSuite } from "./coordination/unique-job-suite.js";

runUniqueJobSuite({ name: "memory", backendUrl: "memory://unique-jobs", coordination: { module: "@hopper/core", factory: "createMemoryCoordinationStore", options: {} } });

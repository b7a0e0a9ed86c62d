import { createMemoryCoordinationStore } from "@hopper/core";
import { runCoordinationStoreSuite } from "./coordination/coordination-store-suite.js";

runCoordinationStoreSuite({ name: "memory", createStore: async () => createMemoryCoordinationStore(), sharedAcrossInstances: false });

import { createMemoryRecordStore } from "@hopper/core";
import { runRecordStoreSuite } from "./records/record-store-suite.js";

runRecordStoreSuite({ name: "memory", createStore: async () => createMemoryRecordStore({ store: "record-store-suite" }) });

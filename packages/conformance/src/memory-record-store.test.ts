import { createMemoryRecordStore } from "@hopper/core";
import { runJobRecordsSuite } from "./records/job-records-suite.js";
import { runRecordStoreSuite } from "./records/record-store-suite.js";

runRecordStoreSuite({ name: "memory", createStore: async () => createMemoryRecordStore({ store: "record-store-suite" }) });

runJobRecordsSuite({ name: "memory", connect: async () => ({ url: "memory://" }) });

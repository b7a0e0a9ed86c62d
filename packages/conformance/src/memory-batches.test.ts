import { runBatchSuite } from "./batches/batch-suite.js";

runBatchSuite({ name: "memory", connect: async () => ({ url: "memory://" }) });

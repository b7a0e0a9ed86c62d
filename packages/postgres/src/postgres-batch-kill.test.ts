import { runBatchKillSuite } from "@hopper/conformance";
import { describe } from "vitest";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

// Separate processes share the database, so only a server applies (PGlite is in-process).
describe.skipIf(!url)("postgres: a batch across a worker kill", () => {
  runBatchKillSuite({ name: "postgres", backendUrl: `${url}?schema=${throwawaySchema(url!)}` });
});

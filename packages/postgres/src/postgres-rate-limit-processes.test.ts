import { runRateLimitProcessSuite } from "@hopper/conformance";
import { describe } from "vitest";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

// Separate processes share the database, so only a server applies (PGlite is in-process).
describe.skipIf(!url)("postgres rate limit across processes", () => {
  const schema = throwawaySchema(url!);
  runRateLimitProcessSuite({
    name: "postgres",
    backendUrl: `${url}?schema=${schema}`,
    coordination: { module: "@hopper/postgres", factory: "createPostgresCoordinationStore", options: { connectionString: url, schema, maxConnections: 2 } },
  });
});

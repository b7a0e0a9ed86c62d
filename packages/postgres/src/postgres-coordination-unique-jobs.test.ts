import { runUniqueJobSuite } from "@hopper/conformance";
import { describe } from "vitest";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

describe.skipIf(!url)("unique jobs on PostgreSQL with a PostgreSQL coordination store", () => {
  const schema = throwawaySchema(url!);
  runUniqueJobSuite({
    name: "postgres",
    backendUrl: `${url}?schema=${schema}`,
    coordination: { module: "@hopper/postgres", factory: "createPostgresCoordinationStore", options: { connectionString: url, schema, maxConnections: 2 } },
  });
});

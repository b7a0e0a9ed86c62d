import { runWorkerRegistryProcessSuite } from "@hopper/conformance";
import { describe } from "vitest";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

describe.skipIf(!url)("postgres worker registry", () => {
  const schema = throwawaySchema(url!);
  runWorkerRegistryProcessSuite({
    name: "postgres",
    backendUrl: `${url}?schema=${schema}`,
    coordination: { module: "@hopper/postgres", factory: "createPostgresCoordinationStore", options: { connectionString: url, schema, maxConnections: 2 } },
  });
});

import { runConformanceSuite } from "@hopper/conformance";
import { postgresTargets } from "./test-postgres-targets.js";

// A real PostgreSQL server (services tool) and PGlite in memory; each test gets
// a fresh backend on the file's schema (queues are unique per test).
for (const target of postgresTargets()) {
  runConformanceSuite({ name: target.name, createBackend: () => target.createBackend() });
}

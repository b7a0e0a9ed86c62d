import { runConformanceSuite } from "@hopper/conformance";
import { postgresTargets } from "./test-postgres-targets.js";

// A real PostgreSQL server (services tool) and PGlite in memory; each test gets
// a fresh backend on the file's schema (queues are unique per test).
for (const target of postgresTargets()) {
  runConformanceSuite({
    name: target.name,
    createBackend: () => target.createBackend(),
    // Scenarios run at once, and PGlite has one connection: 10,000-job drains would starve the lease scenarios beside them.
    ...(target.name === "pglite" && { drainScale: { share: 0.1, reason: "one embedded connection shared by every concurrent scenario" } }),
  });
}

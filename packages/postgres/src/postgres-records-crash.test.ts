import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expectRecordsAcrossWorkerKill, heldJobClass } from "@hopper/conformance";
import { createHopper } from "@hopper/core";
import { describe, it } from "vitest";
import { postgresTargets, silentLogger as silent, uniqueQueue } from "./test-postgres-targets.js";

const workerScript = fileURLToPath(new URL("./test-fixtures/postgres-records-crash-worker.ts", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../../../", import.meta.url));
const jobCount = 5;

// Two processes share the database, so only the server target applies (PGlite is in-process).
const server = postgresTargets().find((target) => target.name === "postgres");

describe.skipIf(!server)("postgres: job records across a worker killed with SIGKILL", () => {
  it("say running (attempt 1) until the lease ends, then show the redelivered attempt", { timeout: 90_000 }, async () => {
    const target = server!;
    const queue = uniqueQueue("rcrash");
    const HeldJob = heldJobClass(queue, async () => {});
    const hopper = createHopper({ backend: await target.createBackend(), jobs: [HeldJob], logger: silent, records: {} });
    try {
      const ids = await HeldJob.performAllLater(Array.from({ length: jobCount }, (_, n) => ({ n })));
      const spawnHolder = () =>
        spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", workerScript], {
          cwd: repositoryRoot,
          env: { ...process.env, CRASH_SCHEMA: target.schema, CRASH_QUEUE: queue },
          stdio: ["ignore", "pipe", "inherit"],
        });
      await expectRecordsAcrossWorkerKill({ hopper, queue, ids, spawnHolder });
    } finally {
      await hopper.close();
    }
  });
});

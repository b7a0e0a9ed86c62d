import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describeWithService } from "@hopper/services";
import { expect, it } from "vitest";
import type { SubjectSpec } from "../report/result-types.js";
import { waitUntil } from "../scenarios/deadlines.js";
import { now } from "../subjects/bench-subject.js";
import { forkBenchChild } from "./fork-child.js";

const parentOfWorker = fileURLToPath(new URL("./fixtures/parent-of-worker.ts", import.meta.url));

/** Whether `pid` is a live process (a zombie waiting to be reaped has exited). */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}

describeWithService("redis", (variables) => {
  it("a worker child whose parent is killed exits rather than running on with its subject open", async () => {
    const spec: SubjectSpec = { id: "redis/hopper", backend: "redis", kind: "hopper", library: "hopper", description: "hopper", connection: variables.HOPPER_TEST_REDIS_URL!, env: {} };
    const { child: parent } = forkBenchChild(parentOfWorker, spec);
    const workerPid = await new Promise<number>((resolve, reject) => {
      parent.once("message", (message: { workerPid: number }) => resolve(message.workerPid));
      parent.once("exit", () => reject(new Error("the fixture exited before its worker was ready")));
      parent.send(spec);
    });
    parent.kill("SIGKILL");
    const exited = await waitUntil(() => !running(workerPid), now() + 20_000, 50);
    if (!exited) process.kill(workerPid, "SIGKILL");
    expect(exited).toBe(true);
  });
});

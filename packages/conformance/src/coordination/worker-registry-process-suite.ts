import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper, Job, type Hopper, type WorkerInfo } from "@hopper/core";
import { loadCoordinationStore, type CoordinationStoreSource } from "./coordination-source.js";

export interface WorkerRegistryProcessSuiteOptions {
  readonly name: string;
  readonly backendUrl: string;
  readonly coordination: CoordinationStoreSource;
}

const fixture = fileURLToPath(new URL("./test-registry-worker.ts", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Worker processes seen through `hopper.workers.list()` from another process: listed with their
 * pid and job versions; a SIGKILLed one vanishes once its entry expires (three heartbeats); one
 * stopped by SIGTERM removes its entry itself (its heartbeat is a minute, so expiry cannot be why).
 */
export function runWorkerRegistryProcessSuite(options: WorkerRegistryProcessSuiteOptions): void {
  describe(`${options.name}: the worker registry across processes`, () => {
    const queue = `registry-${randomUUID().slice(0, 8)}`;
    const children: ChildProcess[] = [];
    let observer: Hopper | undefined;

    class RegistryJob extends Job<Record<string, never>> {
      static override queue = queue;
      async perform() {}
    }

    const spawnWorker = (heartbeat: string): Promise<ChildProcess> => {
      const child = spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", fixture], {
        cwd: repositoryRoot,
        env: { ...process.env, HOPPER_URL: options.backendUrl, COORDINATION_SOURCE: JSON.stringify(options.coordination), FIXTURE_QUEUE: queue, HEARTBEAT: heartbeat },
        stdio: ["ignore", "pipe", "inherit"],
      });
      children.push(child);
      return new Promise((resolve, reject) => {
        child.once("exit", (code, signal) => reject(new Error(`worker exited early (${code ?? signal})`)));
        child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
          if (chunk.includes("ready")) resolve(child);
        });
      });
    };
    const listUntil = async (done: (workers: WorkerInfo[]) => boolean): Promise<WorkerInfo[]> => {
      for (let tries = 0; tries < 300; tries += 1) {
        const workers = (await observer!.workers.list()).filter((worker) => worker.queues.includes(queue));
        if (done(workers)) return workers;
        await sleep(100);
      }
      return (await observer!.workers.list()).filter((worker) => worker.queues.includes(queue));
    };
    const exited = (child: ChildProcess) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once("exit", resolve)));

    afterAll(async () => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await observer?.close();
    });

    it("lists each worker process, forgets a SIGKILLed one after its ttl, and a SIGTERMed one at its stop", { timeout: 120_000 }, async () => {
      observer = createHopper({ url: options.backendUrl, jobs: [RegistryJob], coordination: await loadCoordinationStore(options.coordination), logger: createConsoleLogger("error") });
      const [killed, stopped] = await Promise.all([spawnWorker("300ms"), spawnWorker("1m")]);
      const both = await listUntil((workers) => workers.length === 2);
      expect(both.map((worker) => worker.pid).sort()).toEqual([killed.pid, stopped.pid].sort());
      for (const worker of both) expect(worker).toMatchObject({ queues: [queue], concurrency: 2, jobs: { RegistryJob: 2 } });

      killed.kill("SIGKILL");
      await exited(killed);
      expect((await listUntil((workers) => workers.length === 1)).map((worker) => worker.pid)).toEqual([stopped.pid]);

      stopped.kill("SIGTERM");
      await exited(stopped);
      expect(stopped.exitCode).toBe(0);
      expect(await listUntil((workers) => workers.length === 0)).toEqual([]);
    });
  });
}

import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper, Job, type Hopper, type JobClass, type Worker } from "@hopper/core";
import { loadCoordinationStore, type CoordinationStoreSource } from "./coordination-source.js";

export interface CoordinationProcessSuiteOptions {
  readonly name: string;
  /** The backend URL every process uses, given a fresh queue-name prefix for this run. */
  readonly backendUrl: string;
  readonly coordination: CoordinationStoreSource;
}

interface Entry {
  readonly type: "start" | "end";
  readonly job: string;
  readonly jobId: string;
  readonly key?: string;
  readonly tick?: string;
  readonly attempt: number;
  readonly pid: number;
  readonly at: number;
}

const fixture = fileURLToPath(new URL("./test-coordination-process.ts", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const tickCount = 20;

/**
 * Three worker processes and two scheduler processes on one backend and one
 * coordination store: every tick is enqueued once, a limit-1 key never runs
 * twice at once, and a killed holder's slot frees itself after its lease.
 */
export function runCoordinationProcessSuite(options: CoordinationProcessSuiteOptions): void {
  describe(`${options.name}: 3 workers and 2 schedulers in separate processes`, () => {
    const queue = `coord-${randomUUID().slice(0, 8)}`;
    const recordFile = path.join(tmpdir(), `hopper-${queue}.jsonl`);
    const workers: ChildProcess[] = [];
    const schedulers: ChildProcess[] = [];
    let producer: Hopper;
    let schedulersReadyAt = 0;

    class KeyedJob extends Job<{ key: string; ms: number; hangFirst?: boolean }> {
      static override queue = queue;
      async perform() {}
    }

    // Children append while we read: only newline-terminated lines are complete records.
    const entries = (): Entry[] => {
      if (!existsSync(recordFile)) return [];
      const text = readFileSync(recordFile, "utf8");
      return text.slice(0, text.lastIndexOf("\n") + 1).split("\n").filter(Boolean).map((line) => JSON.parse(line) as Entry);
    };
    const spawnRole = (role: "worker" | "scheduler"): Promise<ChildProcess> => {
      const child = spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", fixture], {
        cwd: repositoryRoot,
        env: { ...process.env, ROLE: role, HOPPER_URL: options.backendUrl, COORDINATION_SOURCE: JSON.stringify(options.coordination), FIXTURE_QUEUE: queue, RECORD_FILE: recordFile, SLOT_LEASE: "2s" },
        stdio: ["ignore", "pipe", "inherit"],
      });
      return new Promise((resolve, reject) => {
        child.once("exit", (code, signal) => reject(new Error(`${role} exited early (${code ?? signal})`)));
        child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
          if (chunk.includes("ready")) resolve(child);
        });
      });
    };

    beforeAll(async () => {
      producer = createHopper({ url: options.backendUrl, jobs: [KeyedJob], coordination: await loadCoordinationStore(options.coordination), logger: createConsoleLogger("error") });
      workers.push(...(await Promise.all([spawnRole("worker"), spawnRole("worker"), spawnRole("worker")])));
      schedulers.push(...(await Promise.all([spawnRole("scheduler"), spawnRole("scheduler")])));
      schedulersReadyAt = Date.now();
    }, 120_000);

    afterAll(async () => {
      for (const child of [...workers, ...schedulers]) {
        child.removeAllListeners("exit");
        child.kill("SIGKILL");
      }
      await producer?.close();
      rmSync(recordFile, { force: true });
    });

    it(`enqueues each of ${tickCount} per-second ticks exactly once`, { timeout: 90_000 }, async () => {
      const firstTick = Math.ceil(schedulersReadyAt / 1000) * 1000 + 1000;
      const ticks = Array.from({ length: tickCount }, (_, index) => new Date(firstTick + index * 1000).toISOString());
      const jobsByTick = () => {
        const byTick = new Map<string, Set<string>>();
        for (const entry of entries()) if (entry.tick && entry.type === "end") byTick.set(entry.tick, (byTick.get(entry.tick) ?? new Set()).add(entry.jobId));
        return byTick;
      };
      await until(() => ticks.every((tick) => jobsByTick().has(tick)), 80_000);
      // Give a second copy of the last ticks time to show up, were there one.
      await sleep(1500);
      const byTick = jobsByTick();
      expect(ticks.map((tick) => [tick, byTick.get(tick)?.size])).toEqual(ticks.map((tick) => [tick, 1]));
      expect([...byTick.values()].every((ids) => ids.size === 1)).toBe(true);
    });

    it("never overlaps two performs of a limit-1 key, while other keys run in parallel", { timeout: 60_000 }, async () => {
      const serial = `serial-${randomUUID().slice(0, 8)}`;
      const free = Array.from({ length: 6 }, (_, index) => `free-${index}-${randomUUID().slice(0, 8)}`);
      await producer.enqueueAll(KeyedJob, [...Array.from({ length: 5 }, () => ({ key: serial, ms: 300 })), ...free.map((key) => ({ key, ms: 600 }))]);
      await until(() => entries().filter((entry) => entry.type === "end" && (entry.key === serial || free.includes(entry.key!))).length >= 11, 50_000);
      const serialRuns = intervals(entries(), (entry) => entry.key === serial);
      expect(serialRuns).toHaveLength(5);
      for (let index = 1; index < serialRuns.length; index++) expect(serialRuns[index]!.start).toBeGreaterThanOrEqual(serialRuns[index - 1]!.end);
      const freeRuns = intervals(entries(), (entry) => free.includes(entry.key!));
      const overlapping = freeRuns.some((run, index) => freeRuns.slice(index + 1).some((other) => other.start < run.end && run.start < other.end));
      expect(overlapping).toBe(true);
    });

    it("frees a SIGKILLed holder's key once its lease ends", { timeout: 60_000 }, async () => {
      const key = `killed-${randomUUID().slice(0, 8)}`;
      const [holderId] = await producer.enqueueAll(KeyedJob, [{ key, ms: 100, hangFirst: true }]);
      await until(() => entries().some((entry) => entry.jobId === holderId && entry.type === "start"), 30_000);
      const holderPid = entries().find((entry) => entry.jobId === holderId)!.pid;
      const [waiterId] = await producer.enqueueAll(KeyedJob, [{ key, ms: 100 }]);
      await sleep(1500);
      // The waiter was offered to workers meanwhile and refused its slot.
      expect(entries().some((entry) => entry.jobId === waiterId)).toBe(false);
      const holder = workers.find((child) => child.pid === holderPid)!;
      holder.removeAllListeners("exit");
      const killedAt = Date.now();
      holder.kill("SIGKILL");
      await until(() => entries().some((entry) => entry.jobId === waiterId && entry.type === "end"), 40_000, () => JSON.stringify({ killedAt, holderPid, entries: entries().filter((entry) => entry.key === key) }));
      const waiterStart = entries().find((entry) => entry.jobId === waiterId && entry.type === "start")!;
      expect(waiterStart.at).toBeGreaterThan(killedAt);
      expect(waiterStart.pid).not.toBe(holderPid);
      console.log(`[coordination] ${options.name}: key of the killed holder taken again ${waiterStart.at - killedAt} ms after SIGKILL (slot lease 2 s)`);
    });
  });
}

/** Start and end of each perform (by job id and attempt) matching `filter`, in start order. */
function intervals(entries: readonly Entry[], filter: (entry: Entry) => boolean): { start: number; end: number }[] {
  const runs = new Map<string, { start: number; end: number }>();
  for (const entry of entries.filter(filter)) {
    const id = `${entry.jobId}:${entry.attempt}:${entry.pid}`;
    const run = runs.get(id) ?? { start: Number.NaN, end: Number.NaN };
    if (entry.type === "start") run.start = entry.at;
    else run.end = entry.at;
    runs.set(id, run);
  }
  return [...runs.values()].sort((a, b) => a.start - b.start);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs: number, describeState?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met in time${describeState ? `: ${describeState()}` : ""}`);
    await sleep(100);
  }
}

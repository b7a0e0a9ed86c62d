import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { hostname } from "node:os";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import type { Logger } from "../logger.js";

/** One live worker process as `hopper.workers.list()` reports it. */
export interface WorkerInfo {
  /** Unique per `worker()` (several workers in one process have one each). */
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly queues: readonly string[];
  readonly concurrency: number;
  /** Jobs running at the last heartbeat. */
  readonly running: number;
  /** The @hopper/core version the worker runs. */
  readonly hopperVersion: string;
  /** The payload version of each job class the worker knows: which versions are deployed where. */
  readonly jobs: Readonly<Record<string, number>>;
  /** ISO 8601, on the worker's clock. */
  readonly startedAt: string;
  /** ISO 8601, on the worker's clock: the last heartbeat. */
  readonly lastSeenAt: string;
}

/** `hopper.workers`: the registry of running workers, from every process sharing the coordination store. */
export interface Workers {
  /** The workers whose last heartbeat is younger than their ttl (three heartbeats), oldest first. */
  list(): Promise<WorkerInfo[]>;
}

const rosterKey = "hopper:workers";
/** The entry format; a worker writing another is skipped by readers that do not know it. */
const entryFormat = 1;
/** Longest a stopping worker waits to remove its entry. */
const stopBoundMs = 2000;

let coreVersion: string | undefined;
/** This @hopper/core's version, found by the package's own name (its sources and its bundled build sit at different depths). */
export function hopperVersion(): string {
  coreVersion ??= (() => {
    try {
      return String((JSON.parse(readFileSync(createRequire(import.meta.url).resolve("@hopper/core/package.json"), "utf8")) as { version?: unknown }).version ?? "unknown");
    } catch {
      return "unknown";
    }
  })();
  return coreVersion;
}

export function createWorkers(coordination: CoordinationStore): Workers {
  return {
    async list() {
      const entries = await coordination.listEntries(rosterKey);
      const workers: WorkerInfo[] = [];
      for (const { value } of entries) {
        const info = parseEntry(value);
        if (info) workers.push(info);
      }
      return workers.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
    },
  };
}

function parseEntry(value: string): WorkerInfo | undefined {
  try {
    const { format, ...info } = JSON.parse(value) as WorkerInfo & { format?: unknown };
    return format === entryFormat && typeof info.id === "string" ? info : undefined;
  } catch {
    // Written by something else under our key: not a worker we can show.
    return undefined;
  }
}

export interface WorkerPresenceOptions {
  readonly coordination: CoordinationStore;
  readonly logger: Logger;
  readonly queues: readonly string[];
  readonly concurrency: number;
  readonly jobs: Readonly<Record<string, number>>;
  readonly heartbeatMs: number;
  readonly running: () => number;
}

/**
 * A worker's entry in the registry: put at start and every `heartbeatMs`,
 * live for three heartbeats, removed on a graceful stop. A killed worker
 * vanishes when its entry expires. A store that fails is logged and retried
 * at the next heartbeat (the registry is for people, never worth a job);
 * no store at all (SQS or Pub/Sub given none) means no entry, said once.
 */
export class WorkerPresence {
  private readonly id = randomUUID();
  private readonly startedAt = new Date().toISOString();
  private timer: NodeJS.Timeout | undefined;
  private putting: Promise<void> | undefined;
  private failing = false;

  constructor(private readonly options: WorkerPresenceOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.beat(), this.options.heartbeatMs);
    this.timer.unref();
    void this.beat();
  }

  /**
   * Stops the heartbeat and removes the entry, waiting at most `stopBoundMs`: a store that is down
   * must not hold up a shutdown; the entry then expires on its own.
   */
  async stop(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    const remove = (async () => {
      await this.putting;
      await this.options.coordination.removeEntry(rosterKey, this.id);
    })().catch(() => {});
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([remove, new Promise<void>((resolve) => (bound = setTimeout(resolve, stopBoundMs)))]);
    clearTimeout(bound);
  }

  private beat(): Promise<void> {
    // One put at a time: a slow store must not pile them up.
    this.putting ??= this.put().finally(() => (this.putting = undefined));
    return this.putting;
  }

  private async put(): Promise<void> {
    const { coordination, queues, concurrency, jobs, heartbeatMs, running, logger } = this.options;
    const info: WorkerInfo & { format: number } = {
      format: entryFormat,
      id: this.id,
      host: hostname(),
      pid: process.pid,
      queues,
      concurrency,
      running: running(),
      hopperVersion: hopperVersion(),
      jobs,
      startedAt: this.startedAt,
      lastSeenAt: new Date().toISOString(),
    };
    try {
      await coordination.putEntry(rosterKey, this.id, JSON.stringify(info), heartbeatMs * 3);
      this.failing = false;
    } catch (error) {
      if (ConfigurationError.isInstance(error)) {
        clearInterval(this.timer);
        logger.info("this worker is not in the worker registry: it has no coordination store (hopper.workers needs one every process shares)", { error });
        return;
      }
      // Once per outage, not once per heartbeat.
      if (!this.failing) logger.warn("could not write this worker's registry entry; retrying at the next heartbeat", { error });
      this.failing = true;
    }
  }
}

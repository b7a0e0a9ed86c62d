/** Every service the tool can start. `redis-cluster` is started on demand only. */
export const serviceNames = ["redis", "redis-cluster", "postgres", "pubsub", "sqs"] as const;
export type ServiceName = (typeof serviceNames)[number];

/** The set `up` and `startServices()` start by default. */
export const defaultServiceNames: readonly ServiceName[] = ["redis", "postgres", "pubsub", "sqs"];

/** What a test run needs: the defaults plus the Redis Cluster for the Redis backend's cluster test. */
export const testServiceNames: readonly ServiceName[] = [...defaultServiceNames, "redis-cluster"];

/** One OS process of a running service. `command` must appear in /proc/PID/cmdline, so a recycled pid is never signalled. */
export interface ServiceProcess {
  pid: number;
  command: string;
}

/**
 * Who started an instance. "cli" instances (`pnpm services up`) live until
 * `pnpm services down` and are reused by every test run. "process" instances
 * belong to one process (a vitest run, the bench) and are stopped by it, or
 * cleaned by the next `up`/`down` once that process is dead.
 */
export interface ServiceOwner {
  kind: "cli" | "process";
  pid: number;
}

/** A started service as recorded in the state file. */
export interface ServiceInstance {
  name: ServiceName;
  owner: ServiceOwner;
  processes: ServiceProcess[];
  ports: number[];
  dataDir: string;
  env: Record<string, string>;
  /** Signal that shuts the service down quickly (postgres: SIGINT, "fast" shutdown). */
  stopSignal: NodeJS.Signals;
  startedAt: string;
  startMs: number;
}

/** What a service's `start` hands back; the orchestrator adds name, owner and timing. */
export type StartedService = Pick<ServiceInstance, "ports" | "env"> & { stopSignal?: NodeJS.Signals };

/** Passed to `start`: a private temp dir and a spawn that records every process, so a failed start is cleaned up. */
export interface ServiceStartContext {
  dataDir: string;
  spawn(command: string, args: string[], options?: SpawnServiceOptions): ServiceProcess;
  /** Resolves when `probe` succeeds; rejects at the deadline or when a recorded process dies, with the log tail. */
  waitUntilReady(probe: () => Promise<unknown>, what: string): Promise<void>;
}

export interface SpawnServiceOptions {
  cwd?: string;
  uid?: number;
  gid?: number;
  env?: NodeJS.ProcessEnv;
  /** Name of the log file in the data dir; defaults to the command's base name. */
  logName?: string;
  /** What /proc/PID/cmdline must contain for the process to count as ours; defaults to the command's base name. */
  match?: string;
}

export interface ServiceDefinition {
  name: ServiceName;
  description: string;
  /** When any of these is set in the environment, the service is external (a real server or cloud) and is not started. */
  externalVariables: readonly string[];
  /** The variables tests read to find the service; present iff the service is usable. */
  requiredVariables: readonly string[];
  /** Throws a clear "X not found: how to install" error when a prerequisite is missing. */
  checkPrerequisites(): Promise<void>;
  start(context: ServiceStartContext): Promise<StartedService>;
  /** A real request against a recorded instance (ping, SELECT 1, topic list, ListQueues). */
  probe(instance: Pick<ServiceInstance, "ports" | "env">): Promise<void>;
}

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isPidAlive, isProcessAlive, logTail, spawnDetached, stopProcesses } from "./process-tools.js";
import { serviceRegistry } from "./service-registry.js";
import { readState, updateState } from "./service-state.js";
import { ServiceStartError } from "./service-errors.js";
import { defaultServiceNames, type ServiceInstance, type ServiceName, type ServiceOwner, type ServiceProcess, type ServiceStartContext } from "./service-types.js";

/** Bound on one service's start, from spawn to a real answer. */
const startTimeoutMs = Number(process.env.HOPPER_SERVICES_START_TIMEOUT_MS ?? 20_000);

export type ServiceOutcome =
  | { name: ServiceName; outcome: "started"; instance: ServiceInstance }
  | { name: ServiceName; outcome: "reused"; instance: ServiceInstance }
  | { name: ServiceName; outcome: "external"; variables: string[] }
  | { name: ServiceName; outcome: "failed"; error: Error };

export interface UpResult {
  /** Variables for every service that is usable (started, reused or external). */
  env: Record<string, string>;
  services: ServiceOutcome[];
}

export interface UpOptions {
  owner?: ServiceOwner;
  /** Where external variables are looked up; defaults to process.env. */
  environment?: NodeJS.ProcessEnv;
}

const processOwner = (): ServiceOwner => ({ kind: "process", pid: process.pid });

function sameOwner(left: ServiceOwner, right: ServiceOwner): boolean {
  return left.kind === right.kind && (left.kind === "cli" || left.pid === right.pid);
}

/** An instance is stale when one of its processes died, or its owning process did. */
function isStale(instance: ServiceInstance): boolean {
  if (!instance.processes.every((process_) => isProcessAlive(process_))) return true;
  return instance.owner.kind === "process" && !isPidAlive(instance.owner.pid);
}

async function stopInstance(instance: ServiceInstance): Promise<void> {
  await stopProcesses(instance.processes, instance.stopSignal);
  rmSync(instance.dataDir, { recursive: true, force: true });
}

async function startInstance(name: ServiceName, owner: ServiceOwner): Promise<ServiceInstance> {
  const definition = serviceRegistry[name];
  const started = Date.now();
  await definition.checkPrerequisites();
  const dataDir = mkdtempSync(join(tmpdir(), `hopper-${name}-`));
  const processes: ServiceProcess[] = [];
  const logFiles: string[] = [];
  const deadline = started + startTimeoutMs;
  const context: ServiceStartContext = {
    dataDir,
    spawn(command, args, options = {}) {
      const logFile = join(dataDir, `${options.logName ?? command.split("/").pop()}.log`);
      logFiles.push(logFile);
      const process_ = spawnDetached(command, args, logFile, options);
      processes.push(process_);
      return process_;
    },
    async waitUntilReady(probe, what) {
      let lastError: unknown;
      for (;;) {
        try {
          await probe();
          return;
        } catch (error) {
          lastError = error;
        }
        const dead = processes.find((process_) => !isProcessAlive(process_));
        if (dead) {
          throw new ServiceStartError(name, `${dead.command} (pid ${dead.pid}) exited before ${what}; its log:\n${logFiles.map((file) => logTail(file)).join("\n")}`);
        }
        if (Date.now() > deadline) {
          throw new ServiceStartError(
            name,
            `no answer to ${what} within ${startTimeoutMs} ms (last error: ${(lastError as Error)?.message}); log:\n${logFiles.map((file) => logTail(file)).join("\n")}`,
          );
        }
        await sleep(100);
      }
    },
  };
  try {
    const result = await definition.start(context);
    return {
      name,
      owner,
      processes,
      ports: result.ports,
      dataDir,
      env: result.env,
      stopSignal: result.stopSignal ?? "SIGTERM",
      startedAt: new Date(started).toISOString(),
      startMs: Date.now() - started,
    };
  } catch (error) {
    await stopProcesses(processes, "SIGKILL", 1000);
    rmSync(dataDir, { recursive: true, force: true });
    throw ServiceStartError.isInstance(error) ? error : new ServiceStartError(name, (error as Error).message, { cause: error });
  }
}

/**
 * Brings up `names` (default: redis, postgres, pubsub, sqs) in parallel and never throws for
 * one service: each outcome says started, reused, external or failed. A service
 * whose variable is already set is external and left alone. Live instances
 * started by the CLI, or earlier by the same owner, are reused after a probe.
 */
export async function upServices(names: readonly ServiceName[] = defaultServiceNames, options: UpOptions = {}): Promise<UpResult> {
  const owner = options.owner ?? processOwner();
  const environment = options.environment ?? process.env;
  const candidates = await updateState(async (instances) => {
    const stale = instances.filter(isStale);
    await Promise.all(stale.map(stopInstance));
    const live = instances.filter((instance) => !stale.includes(instance));
    return { instances: live, result: live };
  });

  const services = await Promise.all(
    names.map(async (name): Promise<ServiceOutcome> => {
      const definition = serviceRegistry[name];
      const variables = definition.externalVariables.filter((variable) => environment[variable]);
      if (variables.length > 0) return { name, outcome: "external", variables };
      const reusable = candidates.find((instance) => instance.name === name && (instance.owner.kind === "cli" || sameOwner(instance.owner, owner)));
      if (reusable) {
        try {
          await definition.probe(reusable);
          return { name, outcome: "reused", instance: reusable };
        } catch {
          // recorded but not answering: replaced below, the dead one is cleaned by the next state update
        }
      }
      try {
        return { name, outcome: "started", instance: await startInstance(name, owner) };
      } catch (error) {
        return { name, outcome: "failed", error: error as Error };
      }
    }),
  );

  const started = services.flatMap((service) => (service.outcome === "started" ? [service.instance] : []));
  const replaced = new Set(started.map((instance) => instance.name));
  await updateState(async (instances) => {
    // A recorded instance of a name we just restarted did not answer its probe: stop it.
    const unanswered = instances.filter(
      (instance) => replaced.has(instance.name) && (instance.owner.kind === "cli" || sameOwner(instance.owner, owner)) && !started.includes(instance),
    );
    await Promise.all(unanswered.map(stopInstance));
    return { instances: [...instances.filter((instance) => !unanswered.includes(instance)), ...started], result: undefined };
  });

  const env: Record<string, string> = {};
  for (const service of services) {
    if (service.outcome === "started" || service.outcome === "reused") Object.assign(env, service.instance.env);
    if (service.outcome === "external") {
      for (const variable of [...serviceRegistry[service.name].externalVariables, ...serviceRegistry[service.name].requiredVariables]) {
        const value = environment[variable];
        if (value !== undefined) env[variable] = value;
      }
    }
  }
  return { env, services };
}

/** Starts services and returns their variables; throws if any could not start. */
export async function startServices(names: readonly ServiceName[] = defaultServiceNames, options: UpOptions = {}): Promise<Record<string, string>> {
  const result = await upServices(names, options);
  const failures = result.services.flatMap((service) => (service.outcome === "failed" ? [service.error.message] : []));
  if (failures.length > 0) throw new Error(`services failed to start:\n${failures.join("\n")}`);
  return result.env;
}

export interface StopOptions {
  /** Whose instances to stop; defaults to this process. Dead and orphaned instances are always cleaned. */
  owner?: ServiceOwner;
  names?: readonly ServiceName[];
}

/** Stops what `owner` started (plus anything stale) and returns the instances stopped. */
export async function stopServices(options: StopOptions = {}): Promise<ServiceInstance[]> {
  const owner = options.owner ?? processOwner();
  return updateState(async (instances) => {
    const toStop = instances.filter(
      (instance) => isStale(instance) || (sameOwner(instance.owner, owner) && (!options.names || options.names.includes(instance.name))),
    );
    await Promise.all(toStop.map(stopInstance));
    return { instances: instances.filter((instance) => !toStop.includes(instance)), result: toStop };
  });
}

/** Recorded, live instances (no probe), CLI-owned first. */
export function liveInstances(): ServiceInstance[] {
  return readState()
    .filter((instance) => !isStale(instance))
    .sort((left, right) => Number(right.owner.kind === "cli") - Number(left.owner.kind === "cli"));
}

/** Variables of the recorded live services, one instance per service (CLI-owned preferred). */
export function serviceEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  const seen = new Set<ServiceName>();
  for (const instance of liveInstances()) {
    if (seen.has(instance.name)) continue;
    seen.add(instance.name);
    Object.assign(env, instance.env);
  }
  return env;
}

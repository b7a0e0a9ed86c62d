import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { isPidAlive } from "./process-tools.js";
import type { ServiceInstance } from "./service-types.js";

/** `<repo>/.hopper` (gitignored); HOPPER_SERVICES_STATE_DIR overrides it. */
export function stateDir(): string {
  return process.env.HOPPER_SERVICES_STATE_DIR ?? fileURLToPath(new URL("../../../.hopper/", import.meta.url));
}

const stateFile = () => join(stateDir(), "services.json");
const lockFile = () => join(stateDir(), "services.lock");

interface StateFile {
  version: 1;
  instances: ServiceInstance[];
}

export function readState(): ServiceInstance[] {
  try {
    const state = JSON.parse(readFileSync(stateFile(), "utf8")) as StateFile;
    return state.version === 1 ? state.instances : [];
  } catch {
    return [];
  }
}

function writeState(instances: ServiceInstance[]): void {
  mkdirSync(stateDir(), { recursive: true });
  const temporary = `${stateFile()}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ version: 1, instances } satisfies StateFile, null, 2)}\n`);
  renameSync(temporary, stateFile());
}

/**
 * Read-modify-write of the state file under an exclusive lock file, since a
 * developer's `pnpm services up` and several test runs may share one checkout.
 * A lock left by a dead process is taken over.
 */
export async function updateState<T>(change: (instances: ServiceInstance[]) => { instances: ServiceInstance[]; result: T } | Promise<{ instances: ServiceInstance[]; result: T }>): Promise<T> {
  mkdirSync(stateDir(), { recursive: true });
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      closeSync(openSync(lockFile(), "wx"));
      writeFileSync(lockFile(), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(lockFile(), { encoding: "utf8", flag: "r" }).trim() || "0");
      if (holder && !isPidAlive(holder)) rmSync(lockFile(), { force: true });
      else if (Date.now() > deadline) throw new Error(`state lock ${lockFile()} held by pid ${holder} for 15 s`);
      else await sleep(25);
    }
  }
  try {
    const { instances, result } = await change(readState());
    writeState(instances);
    return result;
  } finally {
    rmSync(lockFile(), { force: true });
  }
}

/** What the script-cost probes share: the backend's scripts behind their prelude, and the server's time in them. */
import { readFileSync } from "node:fs";
import type { Redis } from "ioredis";

const scripts = new URL("../../../../packages/redis/src/scripts/", import.meta.url);

/** A script of packages/redis/src/scripts, as text. */
export function readScript(file: string): string {
  return readFileSync(new URL(file, scripts), "utf8");
}

/** The path of a script of packages/redis/src/scripts. */
export function scriptPath(file: string): string {
  return new URL(file, scripts).pathname;
}

/** The prelude the backend puts before a queue script on one node (common.lua, records.lua). */
export const scriptPrelude = `${readScript("common.lua")}\nlocal record_one_node = true\n${readScript("records.lua")}`;

/** EVALSHA's total time (INFO commandstats, µs: the scripts and the commands they call) and the server's CPU (µs). */
export async function scriptTimeSample(redis: Redis): Promise<{ usec: number; cpuUs: number }> {
  const text = await redis.info("all");
  const field = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  return { usec: field(/cmdstat_evalsha:calls=\d+,usec=(\d+)/), cpuUs: (field(/used_cpu_user:([\d.]+)/) + field(/used_cpu_sys:([\d.]+)/)) * 1e6 };
}

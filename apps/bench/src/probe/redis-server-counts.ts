import type { Redis } from "ioredis";
import { infoField as field, redisCpuUs } from "../server-cpu/redis-server-cpu.js";

export interface ServerCounts {
  readonly calls: Map<string, number>;
  /** Microseconds the server spent in each command (commandstats `usec`; a script's own commands are counted under their names, and their time within the script's). */
  readonly usec: Map<string, number>;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly serverCpuUs: number;
}

/** The Redis server's counters (INFO commandstats, stats, cpu); undefined without a server to ask. */
export async function redisServerCounts(admin: Redis | undefined): Promise<ServerCounts | undefined> {
  if (!admin) return undefined;
  const [commandstats, stats, cpu] = await Promise.all([admin.info("commandstats"), admin.info("stats"), admin.info("cpu")]);
  const calls = new Map<string, number>();
  const usec = new Map<string, number>();
  for (const match of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    calls.set(match[1]!, Number(match[2]));
    usec.set(match[1]!, Number(match[3]));
  }
  const serverCpuUs = redisCpuUs(cpu);
  return { calls, usec, bytesIn: field(stats, "total_net_input_bytes"), bytesOut: field(stats, "total_net_output_bytes"), serverCpuUs };
}


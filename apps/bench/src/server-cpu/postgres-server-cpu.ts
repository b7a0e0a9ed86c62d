import { readdirSync, readFileSync } from "node:fs";
import pg from "pg";

/**
 * CPU time of one local PostgreSQL server's processes, in µs, from /proc: every child of the postmaster
 * (connection backends, WAL writer, checkpointer …) by `schedstat` (ns), plus the postmaster's own and
 * its reaped children's (`stat`, clock ticks: a backend that exits mid-run counts at 10 ms resolution).
 * Undefined when the server is not on this machine or /proc cannot be read.
 */
export async function postgresServerCpu(connection: string): Promise<(() => number) | undefined> {
  const client = new pg.Client({ connectionString: connection });
  let postmaster: number;
  try {
    await client.connect();
    const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    postmaster = statFields(rows[0]!.pid)?.ppid ?? 0;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
  if (!postmaster || !statFields(postmaster)) return undefined;
  return () => processesCpuUs(postmaster);
}

const ticksUs = 1e6 / 100;

function processesCpuUs(postmaster: number): number {
  const own = statFields(postmaster);
  let total = own ? (own.utime + own.stime + own.cutime + own.cstime) * ticksUs : 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields?.ppid !== postmaster) continue;
    total += runtimeNs(Number(entry)) / 1000 + (fields.cutime + fields.cstime) * ticksUs;
  }
  return total;
}

function statFields(pid: number): { ppid: number; utime: number; stime: number; cutime: number; cstime: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces), from field 3 (state) on.
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ").map(Number);
    return { ppid: rest[1]!, utime: rest[11]!, stime: rest[12]!, cutime: rest[13]!, cstime: rest[14]! };
  } catch {
    return undefined;
  }
}

function runtimeNs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
  } catch {
    return 0;
  }
}

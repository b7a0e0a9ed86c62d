import { readdirSync, readFileSync } from "node:fs";
import pg from "pg";

/**
 * CPU time of one local PostgreSQL server's processes, in µs, from /proc: every child of the postmaster
 * (connection backends, WAL writer, checkpointer …) by `schedstat` (ns), plus the postmaster's own and
 * its reaped children's (`stat`, clock ticks: a backend that exits mid-run counts at 10 ms resolution).
 * Undefined when the server is not on this machine or /proc cannot be read: the backend pid the server names is
 * taken as local only when that process and its parent are PostgreSQL's and the parent started when the server
 * says its postmaster did (a remote server's pid may well name some process here).
 */
export async function postgresServerCpu(connection: string): Promise<(() => number) | undefined> {
  // Bounded: a server that does not answer leaves the figures out rather than holding the run.
  const client = new pg.Client({ connectionString: connection, connectionTimeoutMillis: 5000, query_timeout: 5000 });
  let postmaster: number;
  try {
    await client.connect();
    const { rows } = await client.query<{ pid: number; started: number }>("SELECT pg_backend_pid() AS pid, extract(epoch FROM pg_postmaster_start_time())::float8 AS started");
    const { pid, started } = rows[0]!;
    postmaster = statFields(pid)?.ppid ?? 0;
    if (!isPostgres(pid) || !isLocalPostmaster(postmaster, started)) return undefined;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
  return () => processesCpuUs(postmaster);
}

/** How far this machine's record of the postmaster's start may be from the server's own (exec to its first clock read, clock ticks). */
const postmasterStartToleranceSeconds = 5;

/** Whether local process `pid` is a PostgreSQL postmaster that started at `startedSeconds` (Unix seconds, the server's `pg_postmaster_start_time()`). */
export function isLocalPostmaster(pid: number, startedSeconds: number): boolean {
  const localStart = startedAtSeconds(pid);
  return isPostgres(pid) && localStart !== undefined && Math.abs(localStart - startedSeconds) <= postmasterStartToleranceSeconds;
}

function isPostgres(pid: number): boolean {
  try {
    return pid > 0 && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres";
  } catch {
    return false;
  }
}

/** When a local process started, in Unix seconds (its `stat` start time, in clock ticks after boot, plus the boot time). */
function startedAtSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const startTicks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
    return Number.isFinite(startTicks) && Number.isFinite(bootSeconds) ? bootSeconds + startTicks / ticksPerSecond : undefined;
  } catch {
    return undefined;
  }
}

const ticksPerSecond = 100;
const ticksUs = 1e6 / ticksPerSecond;

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

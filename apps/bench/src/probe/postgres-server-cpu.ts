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

/** WAL bytes the server has written so far (all databases): what a run's writes cost the log, counted. */
export async function postgresWal(connection: string): Promise<{ readonly bytes: () => Promise<number>; readonly close: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: connection });
  await client.connect();
  return {
    bytes: async () => Number((await client.query<{ bytes: string }>("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS bytes")).rows[0]!.bytes),
    close: () => client.end(),
  };
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

/** What a PostgreSQL probe counts with, opened together. */
export interface PostgresCounters {
  /** A connection of the probe's own, for its reads and resets. */
  readonly admin: pg.Client;
  /** Whether the server has pg_stat_statements loaded (reset once on opening). */
  readonly hasStatements: boolean;
  readonly serverCpu: (() => number) | undefined;
  readonly wal: Awaited<ReturnType<typeof postgresWal>>;
  close(): Promise<void>;
}

export async function openPostgresCounters(connection: string): Promise<PostgresCounters> {
  const admin = new pg.Client({ connectionString: connection });
  await admin.connect();
  const hasStatements = await admin.query("SELECT pg_stat_statements_reset()").then(
    () => true,
    () => false,
  );
  const wal = await postgresWal(connection);
  return {
    admin,
    hasStatements,
    serverCpu: await postgresServerCpu(connection),
    wal,
    async close() {
      await wal.close();
      await admin.end();
    },
  };
}

/** A WHERE clause for pg_stat_statements: this database's statements, without the probe's own reads of the view. */
export const thisDatabasesStatements = "dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT ILIKE '%pg_stat_statements%'";

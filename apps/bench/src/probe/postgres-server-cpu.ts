import pg from "pg";
import { postgresServerCpu } from "../server-cpu/postgres-server-cpu.js";

/** WAL bytes the server has written so far (all databases): what a run's writes cost the log, counted. */
export async function postgresWal(connection: string): Promise<{ readonly bytes: () => Promise<number>; readonly close: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: connection });
  await client.connect();
  return {
    bytes: async () => Number((await client.query<{ bytes: string }>("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS bytes")).rows[0]!.bytes),
    close: () => client.end(),
  };
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

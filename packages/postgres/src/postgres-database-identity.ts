import { ConfigurationError } from "@hopper/core";
import type { QueryableClient, SqlExecutor } from "./postgres-executor.js";

// Which database a connection is on: its name, and the server's start time, which tells two servers apart
// (readable by any role, unlike pg_control_system(); unlike an address or port, the same through a pooler).
const identitySql = "SELECT current_database() AS database, pg_postmaster_start_time()::text AS server";

interface DatabaseIdentity {
  readonly database: string;
  readonly server: string;
}

/**
 * Refuses a caller's transaction on another database than the store's own:
 * statements run on it would land where the store never looks (a unique
 * job's key reserved in the outbox's database, say) or fail. A client's answer
 * is kept per client object (a pg client is one connection for life), so a
 * pooled connection costs one query once.
 */
export async function databaseGuard(own: SqlExecutor, storeName: string): Promise<(client: QueryableClient) => Promise<void>> {
  const known = new WeakMap<object, string>();
  const readOwn = async () => (await own.query<DatabaseIdentity>(identitySql))[0]!;
  // Read now, outside any caller's transaction: an embedded database runs one transaction at a time, so asking it from inside one would wait forever.
  let ownIdentity: Promise<DatabaseIdentity> | undefined = Promise.resolve(await readOwn());
  return async (client) => {
    let theirs = known.get(client);
    if (theirs === undefined) {
      const [row] = (await client.query(identitySql)).rows as DatabaseIdentity[];
      theirs = key(row!);
      known.set(client, theirs);
    }
    let mine = await (ownIdentity ?? readOwn());
    if (key(mine) === theirs) return;
    // A server may have restarted since it was asked (an embedded one cannot): ask again before refusing.
    if (!own.embedded) {
      ownIdentity = readOwn();
      ownIdentity.catch(() => (ownIdentity = undefined));
      mine = await ownIdentity;
      if (key(mine) === theirs) return;
    }
    throw new ConfigurationError({
      field: "coordination",
      message: `the ${storeName} coordination store is on another database (${JSON.stringify(mine.database)}) than the transaction it was given (${theirs.split("\n")[0]}), so a unique job's key reserved with set({ transaction }) would not commit or roll back with it: pass createHopper({ coordination: createPostgresCoordinationStore({ connectionString }) }) with the connectionString of the transaction's database (with an outbox, the outbox's)`,
    });
  };
}

/** Which database `executor` is on, as text: its name and its server's start time. */
export async function databaseIdentityText(executor: SqlExecutor): Promise<string> {
  return key((await executor.query<DatabaseIdentity>(identitySql))[0]!);
}

function key(identity: DatabaseIdentity): string {
  return `${JSON.stringify(identity.database)}\n${identity.server}`;
}

import { abortableSleep, optionKeysOf, rejectUnknownOptions } from "@hopper/core/backend";
import { BackendClosedError, type InsertedRecord, type OutboxRelaySession, type OutboxStore, type StagedMessage, type StagedOutgoing } from "@hopper/core";
import { transactionClient } from "./postgres-backend.js";
import { createClientExecutor, type SqlExecutor } from "./postgres-executor.js";
import { resolveSchema, type PostgresSchema } from "./postgres-schema.js";
import { storeExecutor, type PostgresStoreConnection } from "./postgres-store-connection.js";
import { QueueWakeups } from "./postgres-wakeups.js";

export interface PostgresOutboxOptions extends PostgresStoreConnection {
  /** Schema holding the outbox table. Default "hopper". */
  readonly schema?: string;
}

// First keys of the advisory locks: "hopo" for the relay lease, "hopt" for creating the table, "hopk" for ordering keys.
// The table's lock must not be the lease's: a store opening while a relay holds the lease would wait for that relay to end.
const outboxLockNamespace = 0x686f706f;
const tableLockNamespace = 0x686f7074;
const orderingKeyLockNamespace = 0x686f706b;
// While another process relays, ask for the lease this often: the bound on taking over after it dies.
const leaseRetryMs = 1000;
const wakeupKey = "outbox";

interface OutboxRow {
  position: string;
  id: string;
  queue: string;
  body: string;
  deliver_at: string | null;
  priority: number | null;
  ordering_key: string | null;
  dedupe_key: string | null;
  record: string | null;
}

const optionKeys = optionKeysOf<PostgresOutboxOptions>({ pool: true, connectionString: true, pglite: true, maxConnections: true, schema: true });

/**
 * A transactional outbox in PostgreSQL: `stage` inserts inside the caller's
 * transaction; the relay lease is a session advisory lock, so it frees the
 * moment its holder's connection closes (a killed process included).
 *
 * Order: rows leave in `position` (a sequence) order, and a sequence is not
 * commit order. So `stage` takes a transaction-scoped advisory lock per
 * ordering key before inserting: transactions sharing a key insert one after
 * another, each after the previous committed or rolled back, and for one key
 * position order is commit order. Rows without a key have no order.
 */
export async function createPostgresOutbox(options: PostgresOutboxOptions): Promise<OutboxStore> {
  if (typeof options === "object" && options !== null) rejectUnknownOptions(options, optionKeys, "createPostgresOutbox()");
  const executor = storeExecutor(options);
  const outbox = buildPostgresOutbox(executor, resolveSchema(options.schema), options.pglite ?? executor);
  try {
    await outbox.ready();
  } catch (error) {
    await outbox.close().catch(() => {});
    throw error;
  }
  return outbox;
}

// An embedded database has one session, which would hold every "exclusive" advisory lock at once: one relay per database in this process instead.
const relayingDatabases = new WeakSet<object>();

function buildPostgresOutbox(executor: SqlExecutor, schema: PostgresSchema, database: object): OutboxStore & { ready(): Promise<void> } {
  const table = `${schema.quoted}.outbox`;
  const channel = schema.outboxChannel;
  const wakeups = new QueueWakeups(executor, channel);
  let creating: Promise<void> | undefined;
  let closed = false;
  const ready = (): Promise<void> => {
    creating ??= executor
      .transaction(async (transaction) => {
        await transaction.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [tableLockNamespace, schema.name]);
        await transaction.query(`CREATE SCHEMA IF NOT EXISTS ${schema.quoted}`);
        // deliver_at is the writer's epoch ms: the relay turns it back into a delay.
        await transaction.query(
          `CREATE TABLE IF NOT EXISTS ${table} (position bigserial PRIMARY KEY, id text NOT NULL, queue text NOT NULL, body text NOT NULL,
             deliver_at bigint, priority integer, ordering_key text, dedupe_key text, staged_at timestamptz NOT NULL DEFAULT now())`,
        );
        // The job's record (JSON), where records ride with the send: the relay sends it, so the job gets it as it is queued.
        // Looked up first: an ALTER locks the table out even when the column exists, behind every open transaction that staged.
        const [found] = await transaction.query<{ found: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'record' AND NOT attisdropped) AS found`,
          [table],
        );
        if (!found?.found) await transaction.query(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS record text`);
      })
      .catch((error: unknown) => {
        creating = undefined;
        throw error;
      });
    return creating;
  };
  const open = async () => {
    if (closed) throw new BackendClosedError({ backend: "postgres outbox" });
    await ready();
  };

  const session = (held: Awaited<ReturnType<SqlExecutor["hold"]>>): OutboxRelaySession => ({
    lost: held.lost,
    async take(limit, waitMs, signal, { remove = [], inFlight = [] } = {}) {
      await wakeups.ensureListening();
      const since = wakeups.version(wakeupKey);
      const columns = "position::text AS position, id, queue, body, deliver_at::text AS deliver_at, priority, ordering_key, dedupe_key, record";
      // Ordered by the table's bigint position (staged.position), not the text column of the same name the rows carry.
      // The last batch's delete rides with the next take: one round trip per batch. The SELECT reads the snapshot before the
      // DELETE, so it must leave those rows out itself, as it leaves out the batch still being sent.
      const rows =
        remove.length === 0 && inFlight.length === 0
          ? await held.executor.query<OutboxRow>(`SELECT ${columns} FROM ${table} staged ORDER BY staged.position LIMIT $1`, [limit])
          : await held.executor.query<OutboxRow>(
              `WITH removed AS (DELETE FROM ${table} WHERE position = ANY($2::bigint[])) SELECT ${columns} FROM ${table} staged WHERE staged.position <> ALL($3::bigint[]) ORDER BY staged.position LIMIT $1`,
              [limit, remove, [...remove, ...inFlight]],
            );
      if (rows.length === 0) await wakeups.wait(wakeupKey, since, waitMs, [signal]);
      return rows.map(stagedOf);
    },
    async remove(positions) {
      await held.executor.query(`DELETE FROM ${table} WHERE position = ANY($1::bigint[])`, [positions]);
    },
    async release() {
      if (executor.embedded) relayingDatabases.delete(database);
      if (!held.lost.aborted) await held.executor.query("SELECT pg_advisory_unlock($1, hashtext($2))", [outboxLockNamespace, schema.name]).catch(() => {});
      await held.release();
    },
  });

  return {
    name: "postgres outbox",
    ready,
    async stage(messages: readonly StagedOutgoing[], transaction: unknown) {
      if (messages.length === 0) return;
      await open();
      const client = createClientExecutor(transactionClient(transaction));
      // Sorted, so two transactions taking the same keys cannot deadlock.
      const keys = [...new Set(messages.flatMap((message) => (message.orderingKey === undefined ? [] : [message.orderingKey])))].sort();
      if (keys.length > 0) await client.query("SELECT pg_advisory_xact_lock($1, hashtext(key)) FROM unnest($2::text[]) AS key ORDER BY key", [orderingKeyLockNamespace, keys]);
      const column = <T>(pick: (message: StagedOutgoing) => T) => messages.map(pick);
      await client.query(
        `INSERT INTO ${table} (id, queue, body, deliver_at, priority, ordering_key, dedupe_key, record)
           SELECT id, queue, body, deliver_at, priority, ordering_key, dedupe_key, record
             FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::integer[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS staged(id, queue, body, deliver_at, priority, ordering_key, dedupe_key, record, n)
             ORDER BY n`,
        [
          column((message) => message.id),
          column((message) => message.queue),
          column((message) => message.body),
          column((message) => message.deliverAt ?? null),
          column((message) => message.priority ?? null),
          column((message) => message.orderingKey ?? null),
          column((message) => message.dedupeKey ?? null),
          column((message) => (message.record === undefined ? null : JSON.stringify(message.record))),
        ],
      );
      // Delivered at commit, not at all on rollback.
      await client.query("SELECT pg_notify($1, $2)", [channel, wakeupKey]);
    },
    async acquireRelay(signal) {
      await open();
      while (!signal.aborted && !closed) {
        if (!(executor.embedded && relayingDatabases.has(database))) {
          const held = await executor.hold();
          const [row] = await held.executor.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked", [outboxLockNamespace, schema.name]).catch(async (error: unknown) => {
            await held.release();
            throw error;
          });
          if (row?.locked) {
            if (executor.embedded) relayingDatabases.add(database);
            return session(held);
          }
          await held.release();
        }
        await abortableSleep(leaseRetryMs, signal);
      }
      return undefined;
    },
    async close() {
      if (closed) return;
      closed = true;
      await wakeups.close();
      await executor.close();
    },
  };
}

function stagedOf(row: OutboxRow): StagedMessage {
  return {
    position: row.position,
    message: {
      id: row.id,
      queue: row.queue,
      body: row.body,
      ...(row.deliver_at !== null && { deliverAt: Number(row.deliver_at) }),
      ...(row.priority !== null && { priority: row.priority }),
      ...(row.ordering_key !== null && { orderingKey: row.ordering_key }),
      ...(row.dedupe_key !== null && { dedupeKey: row.dedupe_key }),
      ...(row.record !== null && { record: JSON.parse(row.record) as InsertedRecord }),
    },
  };
}

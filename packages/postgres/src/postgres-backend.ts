import { randomUUID } from "node:crypto";
import type { PGlite } from "@electric-sql/pglite";
import { ConfigurationError } from "@hopper/core";
import { BACKEND_SPECIFICATION_VERSION, BackendClosedError, type Backend, type BackendCapabilities, type ReceivedMessage, type ReceiveOptions, optionKeysOf, rejectUnknownOptions } from "@hopper/core/backend";
import pg from "pg";
import { claimMessages, type ClaimedMessage } from "./operations/claim-messages.js";
import { takeScheduledMessages } from "./operations/take-scheduled.js";
import { deleteMessages, type AckItem } from "./operations/delete-messages.js";
import { enqueueMessages } from "./operations/enqueue-messages.js";
import { nextDueInMs } from "./operations/next-due.js";
import { queueStats } from "./operations/queue-stats.js";
import { databaseIdentityText } from "./postgres-database-identity.js";
import { releaseMessages, type ReleaseItem } from "./operations/release-messages.js";
import { GroupCommit } from "./postgres-group-commit.js";
import { extendLeases, type RenewalItem } from "./operations/extend-leases.js";
import { PostgresReceivedMessage, PostgresScheduledMessage, type ReceivedMessageContext } from "./postgres-received-message.js";
import { isPostgresConnectionLoss } from "./postgres-connection-loss.js";
import { buildPostgresRecordStore, type SweepLog } from "./postgres-record-store.js";
import { recordSql } from "./postgres-record-sql.js";
import { createClientExecutor, createPgExecutor, createPGliteExecutor, type QueryableClient, type SqlExecutor } from "./postgres-executor.js";
import { migrate } from "./postgres-migrate.js";
import { resolveSchema, type PostgresSchema } from "./postgres-schema.js";
import { QueueWakeups } from "./postgres-wakeups.js";

const unlimitedMs = Number.MAX_SAFE_INTEGER;

/**
 * How long an ack waits out a server that went away (a restart, a failover) before it
 * fails and leaves the job to its lease. Past a lease the ack finds the lease gone and
 * deletes nothing, so the bound only caps how long a stop() may wait on it.
 */
const ACK_RETRY_MS = 30_000;

/** What a table with `run_at`, `locked_until` and row locks gives, on any PostgreSQL (PGlite included). */
/** Body-writing releases in one statement: 16 bodies of at most `maxPayloadBytes` (1 MiB) keep it within 16 MiB. */
const bodyReleasesPerStatement = 16;

export const POSTGRES_CAPABILITIES: BackendCapabilities = {
  maxBatchSize: 1000,
  // Keeps one INSERT statement well inside what a connection moves comfortably.
  maxBatchBytes: 16 * 1024 * 1024,
  maxPayloadBytes: 1024 * 1024,
  maxReceiveBatch: 1000,
  // Claims of ~500 where 200 gave ~100: a claim's and an ack's statement cost the server far more than a row in
  // them, and one claim on its way bounds a drain (benchmarks/results/postgres-prefetch-2026-12-05.md).
  defaultPrefetch: 1000,
  delayedDelivery: { maxDelayMs: unlimitedMs },
  nackDelay: { maxDelayMs: unlimitedMs },
  priority: true,
  ordering: true,
  deduplication: true,
  leaseExtension: { maxLeaseMs: unlimitedMs },
  minLeaseMs: 1,
  deliveryAttempts: true,
  // A release can add to handed_back, which claims subtract (migration 000003).
  uncountedNack: true,
  // The release statement writes a body it is given into the row it hands back.
  nackBody: true,
  reportsLostLease: true,
  transactionalEnqueue: true,
  // Its record store (recordStore()) is written by the enqueue, claim and ack statements themselves.
  writesOwnRecords: true,
  takeScheduled: true,
};

export interface PostgresBackendOptions {
  /** A `pg` pool you own: the backend uses it and leaves it open on close. */
  readonly pool?: pg.Pool;
  /** A connection string: the backend opens its own pool and ends it on close. */
  readonly connectionString?: string;
  /** A PGlite database you own (embedded PostgreSQL, no server); left open on close. */
  readonly pglite?: PGlite;
  /** Schema holding Hopper's tables. Default "hopper". */
  readonly schema?: string;
  /** Run pending migrations before resolving. Default true; set false when you run `migrate()` at deploy time. */
  readonly migrate?: boolean;
  /** Pool size when the backend opens its own pool. Default 10 (one of them listens). */
  readonly maxConnections?: number;
  /** How often an idle receiver looks again when no NOTIFY came (a safety net, not the normal path). Default 1000. */
  readonly pollIntervalMs?: number;
}

export interface PostgresBackend extends Backend {
  readonly schema: string;
  /** Applies pending migrations; safe to call from many processes at once. Returns the versions applied. */
  migrate(): Promise<number[]>;
}

const optionKeys = optionKeysOf<PostgresBackendOptions>({ pool: true, connectionString: true, pglite: true, schema: true, migrate: true, maxConnections: true, pollIntervalMs: true });

/** Creates the PostgreSQL backend on `pg` or PGlite; resolves once the schema is migrated. */
export async function createPostgresBackend(options: PostgresBackendOptions): Promise<PostgresBackend> {
  if (typeof options === "object" && options !== null) rejectUnknownOptions(options, optionKeys, "createPostgresBackend()");
  const sources = (["pool", "connectionString", "pglite"] as const).filter((key) => options?.[key] !== undefined);
  if (sources.length !== 1) {
    throw new ConfigurationError({
      field: sources.length === 0 ? "pool" : sources.join(", "),
      message: "give exactly one of pool (a pg.Pool), connectionString (postgres://…) or pglite (a PGlite database)",
    });
  }
  if (options.pglite) return openPostgresBackend(createPGliteExecutor(options.pglite, { ownsDatabase: false }), "pglite", options);
  if (options.pool) return openPostgresBackend(createPgExecutor(options.pool, { ownsPool: false }), "postgres", options);
  checkConnectionString(options.connectionString);
  const maxConnections = options.maxConnections ?? 10;
  if (!Number.isSafeInteger(maxConnections) || maxConnections < 2) {
    throw new ConfigurationError({ field: "maxConnections", message: `must be an integer of at least 2 (one connection listens), got ${JSON.stringify(maxConnections)}` });
  }
  const pool = new pg.Pool({ connectionString: options.connectionString, max: maxConnections });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  return openPostgresBackend(createPgExecutor(pool, { ownsPool: true }), "postgres", options);
}

/** pg reads an empty connection string as "the PG* variables, else localhost": never what `connectionString: process.env.X` meant. */
export function checkConnectionString(value: unknown): void {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigurationError({ field: "connectionString", message: `must be a postgres:// URL, got ${typeof value === "string" ? "a blank string" : String(value)} (an unset environment variable?)` });
  }
}

/** Builds the backend on an executor (which it closes on close). */
export async function openPostgresBackend(
  executor: SqlExecutor,
  name: string,
  options: Omit<PostgresBackendOptions, "pool" | "connectionString" | "pglite">,
  layout: RecordLayout = { messageRows: true },
): Promise<PostgresBackend> {
  const schema = resolveSchema(options.schema);
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  if (typeof pollIntervalMs !== "number" || !(pollIntervalMs > 0)) {
    throw new ConfigurationError({ field: "pollIntervalMs", message: `must be a positive number of milliseconds, got ${JSON.stringify(pollIntervalMs)}` });
  }
  try {
    if (options.migrate !== false) await migrate(executor, schema);
  } catch (error) {
    await executor.close().catch(() => {});
    throw error;
  }
  return buildBackend(executor, schema, name, pollIntervalMs, layout);
}

/**
 * Where the backend's statements keep unfinished records: in message rows (migration 5, the default), or with
 * `messageRows: false` in job_records rows as releases before it did (the rolling-deploy tests' older worker).
 */
export interface RecordLayout {
  readonly messageRows: boolean;
  /** How often the records' retention sweep may start (tests); a minute otherwise. */
  readonly sweepEveryMs?: number;
}

function buildBackend(executor: SqlExecutor, schema: PostgresSchema, name: string, pollIntervalMs: number, layout: RecordLayout): PostgresBackend {
  const closing = new AbortController();
  const operations = new Set<Promise<unknown>>();
  const wakeups = new QueueWakeups(executor, schema.channel);
  // The backend's own statements write its records (enqueue, claim, ack): the table must exist before the first of them.
  const records = recordSql(schema, layout);
  // One logger for both of the backend's stores (its statements' and the core's): either may be the one sweeping.
  const sweepLog: SweepLog = {};
  const recordTable = buildPostgresRecordStore(executor, schema, { ownsExecutor: false, joinsTransactions: true, ...layout, sweepLog });
  const acks = new GroupCommit<AckItem>(async (tokens) => {
    if (tokens.some((token) => token.record !== undefined)) await recordTable.ready();
    await deleteMessages(executor, schema, tokens, records);
  }, POSTGRES_CAPABILITIES.maxReceiveBatch, { when: isPostgresConnectionLoss, forMs: ACK_RETRY_MS });
  // A buffer handed back or renewed at once (up to the fetch-ahead, 1,000) is one statement, not one per message
  // (benchmarks/results/postgres-batched-release-2026-12-05.md). Not retried: a failed one leaves the jobs to their leases, as before.
  const releases = new GroupCommit<ReleaseItem>((items) => releaseMessages(executor, schema, items), POSTGRES_CAPABILITIES.maxReceiveBatch);
  // Releases that write a body (an iterable job's cursor, `nackBody`) go a few at a time: a thousand bodies of up to
  // `maxPayloadBytes` in one statement could pass PostgreSQL's 1 GB limit and fail every release beside them.
  const bodyReleases = new GroupCommit<ReleaseItem>((items) => releaseMessages(executor, schema, items), bodyReleasesPerStatement);
  const renewals = new GroupCommit<RenewalItem, Set<string>>((items) => extendLeases(executor, schema, items), POSTGRES_CAPABILITIES.maxReceiveBatch);
  let closed: Promise<void> | undefined;

  /** Runs an operation unless closed, and lets close wait for it. */
  const track = <T>(operation: () => Promise<T>): Promise<T> => {
    if (closing.signal.aborted) return Promise.reject(new BackendClosedError({ backend: name }));
    const promise = operation();
    operations.add(promise);
    void promise.catch(() => {}).finally(() => operations.delete(promise));
    return promise;
  };

  const messageContext: ReceivedMessageContext = { acks, releases, bodyReleases, renewals, track };
  const embeddedIdentity = `embedded ${randomUUID()}`;

  const receive = async (receiveOptions: ReceiveOptions): Promise<ReceivedMessage[]> => {
    const { queue, signal } = receiveOptions;
    const maxMessages = Math.max(1, Math.min(receiveOptions.maxMessages, POSTGRES_CAPABILITIES.maxReceiveBatch));
    const leaseMs = Math.max(POSTGRES_CAPABILITIES.minLeaseMs, Math.ceil(receiveOptions.leaseMs));
    const deadline = Date.now() + receiveOptions.waitMs;
    if (receiveOptions.waitMs > 0) await wakeups.ensureListening();
    for (;;) {
      // An aborted wait ends the receive: claiming once more would lease rows for a worker that is stopping.
      if (signal?.aborted) return [];
      // Read before claiming, so a NOTIFY landing between claim and wait is not lost.
      const version = wakeups.version(queue);
      const recordTtlMs = receiveOptions.records?.ttlMs;
      if (recordTtlMs !== undefined) await recordTable.ready();
      const claimSentAt = Date.now();
      const claimed = await claimMessages(executor, schema, { queue, maxMessages, leaseMs, ...(recordTtlMs !== undefined && { recordTtlMs }) }, records);
      if (claimed.length > 0) {
        if (!closing.signal.aborted) return claimed.map((message) => new PostgresReceivedMessage(messageContext, message, claimSentAt));
        // Closed while claiming: hand them straight back (uncounted: nobody saw them) rather than strand them until the lease ends.
        await releaseMessages(executor, schema, claimed.map((message) => ({ seq: message.seq, attempts: message.attempts, delayMs: 0, uncounted: true })));
        return [];
      }
      if (Date.now() >= deadline || signal?.aborted || closing.signal.aborted) return [];
      await wakeups.ensureListening();
      await waitForWorkOrDue(queue, version, Math.min(deadline - Date.now(), pollIntervalMs), [signal, closing.signal]);
    }
  };

  // One next-due lookup in flight per queue, shared by its receivers; `dueAt` is when, by this process's clock.
  const dueLookups = new Map<string, Promise<number | undefined>>();
  const lookUpDueAt = (queue: string): Promise<number | undefined> => {
    let lookup = dueLookups.get(queue);
    if (lookup === undefined) {
      const sentAt = Date.now();
      // A failed lookup only leaves the wait at its poll bound; the next claim meets the same failure and reports it.
      lookup = nextDueInMs(executor, schema, queue)
        .then((dueInMs) => (dueInMs === undefined ? undefined : sentAt + dueInMs))
        .catch(() => undefined)
        .finally(() => dueLookups.delete(queue));
      dueLookups.set(queue, lookup);
    }
    return lookup;
  };

  /**
   * Waits for a NOTIFY of `queue` from the moment its claim found nothing; the next-due lookup (a delay or a lease
   * ending) runs beside the wait and only shortens it. Awaited first, it held every job enqueued meanwhile: once
   * `messages` had bloated the lookup seq-scanned it, 160-382 ms (benchmarks/results/latency-2026-12-04f/README.md;
   * since migration 7 it is a function that keeps to the index).
   */
  const waitForWorkOrDue = async (queue: string, version: number, waitMs: number, signals: readonly (AbortSignal | undefined)[]): Promise<void> => {
    const due = new AbortController();
    let dueTimer: NodeJS.Timeout | undefined;
    void lookUpDueAt(queue).then((dueAt) => {
      if (dueAt === undefined || due.signal.aborted) return;
      dueTimer = setTimeout(() => due.abort(), Math.max(0, dueAt - Date.now()));
    });
    try {
      await wakeups.wait(queue, version, waitMs, [...signals, due.signal]);
    } finally {
      clearTimeout(dueTimer);
      due.abort();
    }
  };

  return {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    name,
    // An embedded database's queues are this process's alone; so may coordination be.
    capabilities: executor.embedded ? { ...POSTGRES_CAPABILITIES, processLocal: true } : POSTGRES_CAPABILITIES,
    schema: schema.name,

    // With `transaction` (Job.set({ transaction: client })), the INSERT runs on the caller's client inside
    // their open transaction: workers see the job at commit, never after a rollback.
    enqueue: (messages, enqueueOptions) =>
      track(async () => {
        const carriesRecords = messages.some((message) => message.record !== undefined);
        if (carriesRecords) await recordTable.ready();
        return enqueueMessages(enqueueOptions?.transaction === undefined ? executor : createClientExecutor(transactionClient(enqueueOptions.transaction)), schema, messages, carriesRecords ? records : undefined);
      }),
    receive: (receiveOptions) => track(() => receive(receiveOptions)),
    takeScheduled: (takeOptions) =>
      track(async () => {
        const maxMessages = Math.max(1, Math.min(takeOptions.maxMessages, POSTGRES_CAPABILITIES.maxReceiveBatch));
        const leaseMs = Math.max(POSTGRES_CAPABILITIES.minLeaseMs, Math.ceil(takeOptions.leaseMs));
        const takeSentAt = Date.now();
        const taken = await takeScheduledMessages(executor, schema, { queue: takeOptions.queue, maxMessages, leaseMs });
        return taken.map((message) => new PostgresScheduledMessage(messageContext, message, takeSentAt, message.dueAt));
      }),
    stats: (queue) => track(() => queueStats(executor, schema, queue)),
    // The database (its name and its server's start) and the schema: the same through any URL or pooler. An embedded
    // database is this backend's own (two opened in one millisecond would tell the same start time).
    identity: () => track(async () => `postgres\n${executor.embedded ? embeddedIdentity : await databaseIdentityText(executor)}\n${schema.name}`),
    migrate: () => track(() => migrate(executor, schema)),
    // On the backend's own connection (a file-backed PGlite keeps its records with its jobs); closing the store leaves it open.
    recordStore: () => buildPostgresRecordStore(executor, schema, { ownsExecutor: false, joinsTransactions: true, ...layout, sweepLog, heldElsewhere: 1 }),

    close() {
      closed ??= (async () => {
        closing.abort();
        await Promise.allSettled([...operations]);
        await Promise.all([acks.flush(), releases.flush(), bodyReleases.flush(), renewals.flush()]);
        // Its sweep runs on this connection: on a pool or PGlite the caller owns, it would run on past this close.
        await recordTable.close();
        await wakeups.close();
        await executor.close();
      })();
      return closed;
    },
  };
}

export function transactionClient(transaction: unknown): QueryableClient {
  const given = transaction as { query?: unknown; connect?: unknown; totalCount?: unknown; transaction?: unknown } | null;
  if (typeof given?.query !== "function") {
    throw new ConfigurationError({ field: "options.transaction", message: "must be a pg client (after BEGIN) or a PGlite transaction: an object with query()" });
  }
  // Both answer query(), each statement in a transaction of its own: the job would be visible at once and outlive the
  // caller's rollback. (A client whose transaction already ended cannot be told apart without a round trip.)
  if (typeof given.connect === "function" && typeof given.totalCount === "number") {
    throw new ConfigurationError({ field: "options.transaction", message: "got a pg Pool, whose queries each commit on their own: pass the client your transaction runs on (from await pool.connect(), after its BEGIN)" });
  }
  if (typeof given.transaction === "function") {
    throw new ConfigurationError({ field: "options.transaction", message: "got a PGlite database, whose queries each commit on their own: pass the transaction object of database.transaction(async (tx) => …)" });
  }
  return transaction as QueryableClient;
}

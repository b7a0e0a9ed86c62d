/**
 * The adapter contract: transport only. A backend moves opaque message bodies
 * (encoded envelopes) between queues; the core owns the envelope, versioning,
 * retries, concurrency and shutdown.
 *
 * Guarantees every backend gives:
 * - At-least-once: a message received and not acked is delivered again once
 *   its lease runs out (or at once after `nack`). Duplicates are possible.
 * - `enqueue` resolves only once every accepted message is durable in the
 *   backend's terms, and reports each message's outcome separately.
 * - `receive`, `enqueue`, `ack`, `nack` and `extendLease` may be called
 *   concurrently, from many callers at once.
 * - `close` is idempotent. A `receive` pending at close resolves with `[]`;
 *   calls after close reject with `BackendClosedError`.
 */
import type { InsertedRecord, RecordStore, SettledRecord } from "../records/record-store.js";

export const BACKEND_SPECIFICATION_VERSION = "v1" as const;

export interface Backend {
  /** Version of this contract the backend implements; the core refuses others. */
  readonly specificationVersion: typeof BACKEND_SPECIFICATION_VERSION;
  /** Shown in errors and stats. Nothing may branch on it. */
  readonly name: string;
  readonly capabilities: BackendCapabilities;

  /**
   * Stores a batch of at most `capabilities.maxBatchSize` messages (and
   * `maxBatchBytes` of bodies when set); the core chunks larger batches.
   * Resolves with one result per message, in input order.
   */
  enqueue(messages: readonly OutgoingMessage[], options?: EnqueueCallOptions): Promise<EnqueueResult[]>;

  /**
   * Leases up to `maxMessages` messages from one queue, waiting up to `waitMs`
   * for the first one. Resolves `[]` when nothing arrived, or when `signal`
   * aborts or the backend closes while waiting.
   */
  receive(options: ReceiveOptions): Promise<ReceivedMessage[]>;

  /**
   * A job-record store on the backend's own server, sharing its connection
   * (closing it leaves the backend open); optional. `createHopper({ records })`
   * uses it when given no store. When `writesOwnRecords` is declared, that
   * store is also written by the backend's own enqueue, receive and ack calls.
   */
  recordStore?(): RecordStore;

  /** Counts for dashboards and the benchmark; optional. */
  stats?(queue: string): Promise<QueueStats>;

  /**
   * Where this backend keeps its queues, as text: equal for two backends over the same queues (the same server,
   * database and key prefix or schema, whatever URL reached them); optional. `moveJobs` refuses a move whose
   * source and target say the same.
   */
  identity?(): Promise<string>;

  /**
   * The name the transport knows a queue by, where it is not Hopper's queue name (SQS: the queue's own name, prefix
   * and `.fifo` included; Pub/Sub: the topic's): telemetry's destination. Optional: absent, the queue's name.
   */
  destinationOf?(queue: string): string;

  /**
   * Leases up to `maxMessages` messages of one queue that are not due yet
   * (delayed), soonest due first; present when `capabilities.takeScheduled`
   * is declared. `receive` never returns them, so moving a queue to another
   * backend (`moveJobs`) needs this to take delayed jobs too. The lease works
   * as `receive`'s: `ack` removes the message, `nack({ retryAfterMs })` puts
   * it back due that much later, and a lease that runs out makes it ready at
   * once (early: the envelope's `runAt` makes a worker hold it back until then).
   * Never waits: resolves `[]` when nothing is delayed.
   */
  takeScheduled?(options: TakeScheduledOptions): Promise<ScheduledMessage[]>;

  /**
   * The backend a queue's messages are sent to, for a backend routing queues to several others
   * (`createHopper({ routes })`); optional. The core checks a queue's jobs and enqueues against the
   * capabilities of this one, since `capabilities` then only says what every routed backend can do.
   */
  backendForQueue?(queue: string): Backend;

  /**
   * The backend a received message of `queue` came from, for a backend over several: while a routed queue drains an
   * older backend its messages come from either. Optional: absent, this one. Telemetry names the message's own
   * system and destination by it.
   */
  backendOfMessage?(message: ReceivedMessage, queue: string): Backend;

  /**
   * A worker starts receiving from `queues`; the function returned says it stopped (its receive loops ended), and is
   * called once. Optional: for a backend that holds messages for its receivers beyond what `receive` handed out (SQS
   * FIFO's group lines), which it gives back as soon as no worker of this backend receives from their queue, not
   * only at `close`.
   */
  receiveFrom?(queues: readonly string[]): () => void;

  close(): Promise<void>;
}

/** The backend `queue`'s messages are sent to: `backend` itself unless it routes queues elsewhere. */
export function queueBackend(backend: Backend, queue: string): Backend {
  return backend.backendForQueue?.(queue) ?? backend;
}

export interface OutgoingMessage {
  /** The job id, unique per job; backends may use it as their message id. */
  readonly id: string;
  readonly queue: string;
  /** Opaque UTF-8 text; must come back byte for byte. */
  readonly body: string;
  /** Do not deliver before this many ms from now. Only sent within `delayedDelivery.maxDelayMs`. */
  readonly delayMs?: number;
  /** Higher runs first. Only sent when `priority` is declared. */
  readonly priority?: number;
  /** Messages sharing a key are delivered one at a time, in enqueue order. Only sent when `ordering` is declared. */
  readonly orderingKey?: string;
  /** While a message with this key is queued, others with the same key are dropped. Only sent when `deduplication` is declared. */
  readonly dedupeKey?: string;
  /**
   * Only sent when `writesOwnRecords` is declared and the backend's own store keeps the records: the
   * same call inserts this record (as `RecordStore.insert`) when it enqueues the message, none for a duplicate.
   */
  readonly record?: InsertedRecord;
}

export interface EnqueueCallOptions {
  /**
   * A client of the backend's own database with a transaction open (only when
   * `transactionalEnqueue` is declared): the messages appear at commit and
   * vanish on rollback. The caller owns the client and the transaction.
   */
  readonly transaction?: unknown;
}

export type EnqueueResult =
  | { readonly status: "enqueued"; readonly id: string }
  /** A message with the same dedupe key is already queued; `existingId` when the backend knows it. */
  | { readonly status: "duplicate"; readonly id: string; readonly existingId?: string }
  | { readonly status: "failed"; readonly id: string; readonly error: Error };

export interface ReceiveOptions {
  readonly queue: string;
  readonly maxMessages: number;
  readonly waitMs: number;
  /** How long the message stays invisible to other receivers unless acked, nacked or extended. */
  readonly leaseMs: number;
  readonly signal?: AbortSignal;
  /**
   * Only sent when `writesOwnRecords` is declared and the backend's own store keeps the records: the
   * same call moves the record of each leased message to `running` (attempt = its delivery count,
   * started now, `ttlMs`) when the record exists, belongs to this queue and was not cancelled, and
   * reports it in `ReceivedMessage.record`.
   */
  readonly records?: { readonly ttlMs: number };
}

export interface ReceivedMessage {
  /** The job id the message was enqueued with. */
  readonly id: string;
  /** The text as enqueued; "" after `releaseBody()`. */
  readonly body: string;
  /**
   * Optional. The core has decoded `body` and started the job: it will not read `body` again (it
   * re-encodes what it sends later from the decoded envelope), so the message may drop it and keep
   * only what `ack`, `nack` and `extendLease` need (a job held running for minutes then holds no copy
   * of its body); `body` then reads "". Never called on a message the core may hand back unstarted. A
   * backend whose body is held elsewhere anyway (memory's store) need not offer it.
   */
  releaseBody?(): void;
  /** 1 on the first delivery; undefined when the backend cannot count (see `deliveryAttempts`). */
  readonly deliveryAttempt: number | undefined;
  /**
   * What the receive did to the message's record when asked (`ReceiveOptions.records`): `running`
   * (attempt = `deliveryAttempt`), or `cancelled` (left as it was: the job must not run). Absent
   * when it wrote nothing (no record of this queue's, or not asked).
   */
  readonly record?: "running" | "cancelled";
  /**
   * This process's clock (`Date.now()`) when the request that leased the message was sent: no later
   * than the lease began on the server. The worker counts the lease from it; left out, from when the
   * receive answered, which may be long after the lease began (a busy event loop, a slow network), and
   * then its first renewal can reach the server after the lease ended. Backends whose lease begins at
   * a command of their own (a claim) set it; one whose receive long-polls on the server cannot.
   */
  readonly leaseFrom?: number;
  /**
   * Removes the message for good. A no-op when the lease was already lost.
   * `record` (only sent when `writesOwnRecords` is declared) is written as
   * `RecordStore.settle` by the same call, when it removes the message.
   */
  ack(options?: { readonly record?: SettledRecord }): Promise<void>;
  /**
   * Makes the message visible again, now or after `retryAfterMs` (within `nackDelay.maxDelayMs`).
   * A no-op when the lease was already lost. `countAttempt: false` (only sent when `uncountedNack`
   * is declared): this delivery does not count, the next one reports this one's `deliveryAttempt`
   * again; the lease still ends, so a late ack, nack or extendLease of this delivery stays a no-op.
   */
  nack(options?: NackOptions): Promise<void>;
  /**
   * Restarts the lease: the message stays invisible for `leaseMs` from now.
   * Resolves false when the lease was already lost (see `reportsLostLease`):
   * the message may be running elsewhere, so the holder must stop and not ack.
   */
  extendLease(leaseMs: number): Promise<boolean>;
}

export interface NackOptions {
  readonly retryAfterMs?: number;
  /** False hands the message back as if this delivery never happened (a job that never started). */
  readonly countAttempt?: boolean;
  /**
   * The message comes back with this body instead of the one it had (only sent when `nackBody` is declared): the
   * same message, so it keeps its id, priority, dedupe key and place at the head of its ordering key, where a copy
   * would join the back of the line. A stale lease writes nothing, as for any nack.
   */
  readonly body?: string;
}

export interface TakeScheduledOptions {
  readonly queue: string;
  readonly maxMessages: number;
  readonly leaseMs: number;
}

export interface ScheduledMessage extends ReceivedMessage {
  /** When the message was due, in ms since the epoch on the backend's clock. */
  readonly dueAt: number;
}

export interface QueueStats {
  readonly ready: number;
  readonly delayed: number;
  readonly inFlight: number;
}

/** What a backend can do, as data. The core and the tests read it; nothing reads `name`. */
export interface BackendCapabilities {
  /** Most messages one `enqueue` call takes. */
  readonly maxBatchSize: number;
  /**
   * The store `recordStore()` returns is written by the backend's own calls: `enqueue` takes
   * `OutgoingMessage.record`, `receive` takes `records`, `ack` takes `{ record }`. The core then
   * sends record writes with them rather than as calls of their own (records cost no extra round
   * trip); with any other store it writes separately.
   */
  readonly writesOwnRecords?: boolean;
  /** Most body bytes one `enqueue` call takes; undefined when only `maxBatchSize` limits. */
  readonly maxBatchBytes?: number;
  /**
   * How many `enqueue` calls the core's natural batching keeps on the wire at once (default 1). Above 1
   * where concurrent calls pipeline on one connection and a call's own cost is small (Redis: a call made
   * while a send is on the wire goes at once beside it, and a hung node's send does not hold back the
   * rest); 1 where each call costs the server a commit of its own (PostgreSQL: two in flight nearly
   * doubled its CPU per job). The callers a send answered, enqueuing again at once, still go together
   * in its place, never one of them alone in another.
   */
  readonly enqueueSendsInFlight?: number;
  /** Largest body, in UTF-8 bytes. */
  readonly maxPayloadBytes: number;
  /** Most messages one `receive` returns. */
  readonly maxReceiveBatch: number;
  /**
   * Messages a worker holds beyond its running jobs when `worker({ prefetch })` is not given (absent: the core's
   * 200). A worker refills its buffer once it is down to half, so this sets how many messages one receive takes:
   * larger where each receive and ack statement costs the server much more than a message in it (PostgreSQL).
   */
  readonly defaultPrefetch?: number;
  /** Native delivery delay; the core re-delays hop by hop past `maxDelayMs`. */
  readonly delayedDelivery: false | { readonly maxDelayMs: number };
  /** `nack({ retryAfterMs })` honours the delay up to `maxDelayMs`. */
  readonly nackDelay: false | { readonly maxDelayMs: number };
  readonly priority: boolean;
  readonly ordering: boolean;
  /** `dedupeKey` is honoured while a message with that key is queued (at least). */
  readonly deduplication: boolean;
  /**
   * Set when dedupe lasts this long from the first send (not while queued) and `existingId` is known only to
   * the process that sent the first job (SQS FIFO: 5 minutes). The core then reserves each dedupe key in a
   * shared coordination store for the window, so a duplicate from any process answers with the first job's id.
   */
  readonly deduplicationWindowMs?: number;
  /**
   * How long the backend keeps a message from when it was sent, acked or not (SQS's queue retention,
   * Pub/Sub's subscription retention). Absent means until acked. The core never holds one message
   * back past half of it: a longer hold moves to a fresh copy.
   */
  readonly messageRetentionMs?: number;
  /** `extendLease` works; leases can be held up to `maxLeaseMs`. */
  readonly leaseExtension: false | { readonly maxLeaseMs: number };
  /**
   * `extendLease` resolves false once the lease is lost (run out, taken again,
   * acked or nacked), so the holder can stop. Absent means the backend cannot
   * tell: its `extendLease` resolves true (or nothing) either way.
   */
  readonly reportsLostLease?: boolean;
  /** Shortest lease the backend honours (e.g. Pub/Sub's 10 s ack deadline). */
  readonly minLeaseMs: number;
  /** `deliveryAttempt` counts every delivery, including lease expiries. */
  readonly deliveryAttempts: boolean;
  /**
   * `nack({ countAttempt: false })` takes this delivery back out of the count. Without it (and with
   * `deliveryAttempts`) the core hands an unstarted job back as a fresh copy carrying its attempt.
   */
  readonly uncountedNack?: boolean;
  /**
   * `nack` changes the message in place: `nack({ body })` replaces its body as it hands it back, and an uncounted nack
   * (with `uncountedNack`) takes the delivery back on the same message, not by a copy. Without it the core sends a
   * changed job (an iterable job's cursor) as a new copy, which joins the back of its ordering key's line.
   */
  readonly nackBody?: boolean;
  /** `enqueue` takes a caller's open transaction (`EnqueueCallOptions.transaction`). Absent means no. */
  readonly transactionalEnqueue?: boolean;
  /** `takeScheduled` is offered: delayed messages can be leased before they are due (to move them elsewhere). Absent means no. */
  readonly takeScheduled?: boolean;
  /** Queues live in this process only (memory, embedded PGlite), so coordination may stay in process too. Absent means no. */
  readonly processLocal?: boolean;
}

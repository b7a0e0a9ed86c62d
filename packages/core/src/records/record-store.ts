/**
 * The job-record contract: what became of each job (state, attempt, progress,
 * result, last error, times), kept apart from the transport so that any
 * backend can have records. Redis and PostgreSQL keep them on the backend's
 * own server (`Backend.recordStore`); SQS and Pub/Sub use a store on Redis or
 * PostgreSQL given to `createHopper({ records: { store } })`.
 *
 * Every record expires `ttlMs` after its last write, measured by the store's
 * own clock; the core picks the ttl from the record's state (`records.keep`),
 * so nothing grows without bound. Times inside a record are the writer's clock.
 * A ttl of `RECORD_KEPT_UNTIL_LATER_WRITE_MS` or more (an unfinished record where
 * messages stay until acked) means "until a later write": a store may keep it without expiry.
 *
 * Guarantees every store gives:
 * - Each call is atomic against every other call on the same id, from any
 *   process sharing the store: a `cancel` and a `start` never both win.
 * - `insert` never overwrites a record (the worker may have written first);
 *   `start` creates the record when it is missing (enqueued with records off,
 *   or its insert failed).
 * - A `cancelled` record stays cancelled: `start` refuses it, later writes
 *   leave it as it is. A record whose cancel was requested while it ran
 *   (`cancelRequested`) is refused by `start` too, so a redelivered copy never runs.
 * - An expired record is absent everywhere.
 * - All methods may be called concurrently. `close` is idempotent; calls
 *   after it reject with `BackendClosedError`.
 *
 * A store gives no ordering between processes beyond that: a worker whose
 * lease ran out may still write after the redelivered copy started.
 */

import type { Logger } from "../logger.js";

export const RECORD_STORE_SPECIFICATION_VERSION = "v1" as const;

/**
 * Why a job that was due did not run and went back for later (a delayed copy
 * with the same attempt): its rate limit had no slot, its queue is paused, its
 * concurrency key had no free place, or its payload is newer than the worker.
 */
export type HoldReason = "rate-limit" | "queue-paused" | "concurrency" | "payload-version";

/**
 * Where a job stands. `waiting` and `retrying` carry `runAt` when the job
 * must not run before it (the core reports a future `waiting` as
 * `scheduled`). A held job is `held:<reason>` with the `runAt` it is offered
 * again at: the reason rides in the state, so no store keeps a field of its
 * own for it; a store starts and cancels a held job as a waiting one. Readers
 * must accept states they do not know.
 */
export type StoredJobState = "waiting" | "running" | "retrying" | "succeeded" | "failed" | "dead" | "cancelled" | `held:${HoldReason}`;

/** True for `held:<reason>` states, whatever the reason (a later version may add reasons). */
export function isHeldState(state: string): boolean {
  return state.startsWith("held:");
}

export const FINISHED_STATES: ReadonlySet<string> = new Set(["succeeded", "failed", "dead", "cancelled"]);

/** Who a job is; every write carries it, so a store can create a record it has not seen. */
export interface JobIdentity {
  readonly id: string;
  readonly job: string;
  readonly queue: string;
  /** Epoch ms. */
  readonly enqueuedAt: number;
}

/** A record as a store keeps it: JSON values as their text, times as epoch ms. */
export interface StoredJobRecord extends JobIdentity {
  readonly state: string;
  readonly attempt: number;
  readonly progress: string | null;
  readonly result: string | null;
  /** JSON text of `{ name, message }`. */
  readonly error: string | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly runAt: number | null;
  /** `cancel` was asked while the job ran: its worker aborts it, and no copy starts again. */
  readonly cancelRequested: boolean;
  /** The batch (or flow) the job belongs to, as its insert gave it; absent or null when none (or from a store that predates it). */
  readonly batchId?: string | null;
  /** A flow child's parent job id, as its insert gave it; absent or null when none. */
  readonly parentId?: string | null;
  /** The job's args as its insert gave them (`InsertedRecord.args`); absent or null when none. */
  readonly args?: string | null;
}

export interface InsertedRecord extends JobIdentity {
  readonly runAt: number | null;
  readonly ttlMs: number;
  /**
   * Kept by the insert that creates the record and never changed after (later writes leave them):
   * the job's batch or flow, and a flow child's parent job id. Optional: a record a `start` or
   * `settle` created (its insert lost) has none.
   */
  readonly batchId?: string;
  readonly parentId?: string;
  /**
   * The job's args, kept like the batch and parent: text the core wrote (`{"args":…}`, or `{"argsBytes":n}`
   * for args over its bound), stored and returned byte for byte; absent when the Hopper keeps none.
   */
  readonly args?: string;
}

export interface StartedRecord extends JobIdentity {
  readonly attempt: number;
  readonly startedAt: number;
  readonly ttlMs: number;
}

/** A running attempt past its timeout that ignores its signal (`RecordStore.hung`). */
export interface HungRecord {
  readonly id: string;
  readonly job: string;
  readonly queue: string;
  readonly attempt: number;
  /** JSON text the core wrote: the JobTimeoutError's name and message, the attempt and when it was seen hung. */
  readonly error: string;
}

/**
 * A write that ends an attempt: a finished state, or `retrying` (with `runAt`); `held:<reason>` (with
 * `runAt`) for a due job held back; or `waiting` (with `runAt`) for a job a backend's receive marked
 * running that was held back before it ran (an early delivery).
 */
export interface SettledRecord extends JobIdentity {
  /** `cancelled` ends a job whose cancel was requested (stopped while running, or refused a start). */
  readonly state: Exclude<StoredJobState, "running">;
  readonly attempt: number;
  readonly result?: string;
  readonly error?: string;
  /** Set for finished states. */
  readonly finishedAt?: number;
  /** Set for `retrying`, `held:<reason>` and `waiting`: when the next attempt may run. */
  readonly runAt?: number;
  readonly ttlMs: number;
}

/** One change a write made, as `subscribe` delivers it: the state written (`progress` set when the change was progress). */
export interface RecordEvent {
  readonly id: string;
  readonly job: string;
  readonly queue: string;
  readonly state: string;
  readonly attempt: number;
  /** JSON text, on progress changes only. */
  readonly progress?: string;
  /** True on the change `hung` made: the running attempt passed its timeout and ignores its signal. */
  readonly hung?: boolean;
}

/**
 * What `cancel` did: `cancelled` (now, or already); `requested` for a running
 * job (its worker stops it); `refused` with the finished state; or no record.
 */
export type CancelOutcome =
  | { readonly status: "cancelled" }
  | { readonly status: "requested" }
  | { readonly status: "refused"; readonly state: string }
  | { readonly status: "unknown" };

/** The states `list` serves: finished ones, which stay put until they expire (an index of moving states would cost every write). */
export const LISTED_STATES: ReadonlySet<string> = FINISHED_STATES;

/** What `list` asks for: one finished state, optionally one queue and one job name. */
export interface RecordListQuery {
  readonly state: string;
  readonly queue?: string;
  readonly job?: string;
  /** At most this many records (the core bounds it). */
  readonly limit: number;
  /** The `next` of the page before, as the same store made it. */
  readonly after?: string;
}

export interface RecordPage {
  readonly records: StoredJobRecord[];
  /** Where the next page starts, or null when there is no more. */
  readonly next: string | null;
}

export interface RecordStore {
  /** Version of this contract the store implements; the core refuses others. */
  readonly specificationVersion: typeof RECORD_STORE_SPECIFICATION_VERSION;
  /** Shown in errors and logs. Nothing may branch on it. */
  readonly name: string;

  /**
   * Creates `waiting` records for enqueued jobs; an id that already has a
   * record keeps it. With `transaction` (a store on that database only) the
   * records appear at its commit; other stores write at once.
   */
  insert(records: readonly InsertedRecord[], options?: { readonly transaction?: unknown }): Promise<void>;

  /**
   * Moves a job to `running` (attempt, startedAt; finishedAt cleared), creating
   * the record when missing. Resolves `"cancelled"`, changing nothing, when
   * the record is cancelled or its cancel was requested: the job must not run.
   */
  start(record: StartedRecord): Promise<"running" | "cancelled">;

  /** Stores `progress` (JSON text) on a `running` record; false when there is none (expired, cancelled, finished). */
  progress(id: string, progress: string): Promise<boolean>;

  /**
   * Reports that a `running` record's attempt passed its timeout and ignores its signal: stores `error` (JSON
   * text the core wrote) with the state left `running` and the ttl unchanged, and publishes the change with
   * `hung: true`. False, changing nothing, when the record is not running that `attempt` of that job and queue (it
   * returned meanwhile, was cancelled or expired, a later attempt runs, or the write names another job: a crafted
   * envelope). Optional: without it a hung run is reported in the logs only.
   */
  hung?(record: HungRecord): Promise<boolean>;

  /** Ends an attempt; creates the record when missing; leaves a cancelled record as it is. */
  settle(record: SettledRecord): Promise<void>;

  /** The record, or undefined when there is none (never written, or expired). */
  get(id: string): Promise<StoredJobRecord | undefined>;

  /**
   * Cancels a `waiting`, `held:<reason>` or `retrying` job (finishedAt = `now`); marks a
   * `running` one `cancelRequested` (ttl unchanged); a finished one is refused
   * with its state.
   */
  cancel(id: string, options: { readonly now: number; readonly ttlMs: number }): Promise<CancelOutcome>;

  /**
   * Delivers every change any process writes from now on (an insert that
   * created a record, a start, progress, a settle, a cancel), in the order the
   * store applied them, at most once: a listener that is not connected misses
   * changes. Resolves once listening, with a function that stops it. Optional:
   * without it, `hopper.events` refuses. The change and its event are one
   * operation where the store allows (a Redis script, a PostgreSQL statement).
   */
  subscribe?(listener: (event: RecordEvent) => void): Promise<() => Promise<void>>;

  /**
   * Records of one finished state (`LISTED_STATES`), newest first by when they
   * finished, read from an index kept by the writes themselves, never a scan
   * of every record. Expired records are never listed. `next` is an opaque
   * cursor (`encodeRecordCursor`); a page may hold fewer than `limit` records
   * while `next` is set (a filter matched few of the entries the store reads
   * per call). A record that changes state between pages may be missed or
   * shown twice. Optional: without it `hopper.jobs.list` refuses.
   */
  list?(query: RecordListQuery): Promise<RecordPage>;

  /** Forgets these records at once (a discarded dead letter's job). Optional: without it they expire by their ttl. */
  remove?(ids: readonly string[]): Promise<void>;

  /**
   * The application's logger, for what the store does in the background, where no caller awaits it and a failure
   * would pass unseen (a sweep of expired records). Each Hopper that opens the store calls it once (a store shared by
   * several reports to the last). Optional: a store that does nothing in the background has no use for it.
   */
  useLogger?(logger: Logger): void;

  close(): Promise<void>;
}

import { setTimeout as delay } from "node:timers/promises";
import { toPositiveMilliseconds, type Duration } from "../duration.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { JobNotFoundError } from "../errors/job-not-found-error.js";
import { JobWaitTimeoutError } from "../errors/job-wait-timeout-error.js";
import { rejectUnknownOptions } from "../option-keys.js";
import { decodeRecordCursor } from "./record-cursor.js";
import { FINISHED_STATES, isHeldState, LISTED_STATES, type HoldReason, type RecordListQuery, type RecordStore, type StoredJobRecord, type StoredJobState } from "./record-store.js";
import type { ResolvedRecordsOptions } from "./records-options.js";
import { readArgsRecord, type JobRecordArgs } from "./record-values.js";

/** `waiting` with a `runAt` still ahead is reported as `scheduled`; a held job as `held`, with `heldBy`. */
export type JobState = Exclude<StoredJobState, `held:${string}`> | "scheduled" | "held";

export interface JobRecord {
  readonly id: string;
  /** The job's name. */
  readonly job: string;
  readonly queue: string;
  /** A state this version of Hopper may not know yet passes through as is. */
  readonly state: JobState;
  /**
   * For `held`: what holds it, `rate-limit` (no slot in its limit), `queue-paused` (its queue is paused:
   * every waiting job of a paused queue reads so, whether or not a worker has seen it), `concurrency`
   * (its concurrency key has no free place) or `payload-version` (no worker has run it knows its payload's
   * version). `runAt` is when it is offered again. Null in every other state.
   */
  readonly heldBy: HoldReason | null;
  /** The attempt running or last run; 0 before the first. */
  readonly attempt: number;
  /** The last `ctx.progress(value)`, or null. */
  readonly progress: unknown;
  /** What `perform` returned once the job succeeded (undefined is null), else null. */
  readonly result: unknown;
  /** The last failed attempt's error (name and message), or null; for a hung run, its JobTimeoutError. */
  readonly error: { readonly name: string; readonly message: string } | null;
  /**
   * The running attempt passed its timeout and ignores its signal (`error` says by how much when it was seen):
   * it keeps its worker slot and lease until perform returns, or until its worker exits (`exitOnHungJob`), after
   * which the job runs again elsewhere once its lease ends. False in every other state.
   */
  readonly hung: boolean;
  readonly enqueuedAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  /** Not before this: a scheduled job, or a retry's next attempt. */
  readonly runAt: Date | null;
  /** A cancel was asked while the job ran; its worker is stopping it. */
  readonly cancelRequested: boolean;
  /** The batch or flow the job belongs to (`hopper.batches.get(id)`), or null. */
  readonly batchId: string | null;
  /** A flow child's parent job id (`hopper.jobs.get(parentId)`), or null. */
  readonly parentId: string | null;
  /**
   * The job's args as enqueued (`records.args`, bounded by `records.maxArgsBytes`), or why there are none.
   * Unredacted: show them to operators only (the dashboard redacts them; the job status handler leaves them out).
   */
  readonly args: JobRecordArgs;
}

/** `hopper.jobs`: look up, wait for and cancel jobs by id. */
export interface JobRecords {
  /** The job's record, or null when there is none (never enqueued with records on, or expired). */
  get(id: string): Promise<JobRecord | null>;
  /**
   * Resolves with the record once the job has finished (succeeded, failed,
   * dead or cancelled), polling the store. Rejects with JobWaitTimeoutError
   * after `timeout` (default "5m"), JobNotFoundError when there is no record.
   */
  wait(id: string, options?: { timeout?: Duration; signal?: AbortSignal }): Promise<JobRecord>;
  /**
   * Cancels a waiting, scheduled or retrying job: it never starts (again) and
   * its record says `cancelled` (`{ cancelled: true }`). A running job is asked
   * to stop (`{ cancelled: false, stopping: true }`): its `ctx.signal` aborts
   * with JobCancelledError in whichever process runs it (within
   * `records.cancelCheck`), and it ends `cancelled`, not retried, unless it
   * returns first. A finished job is left as it is. Rejects with
   * JobNotFoundError when there is no record.
   */
  cancel(id: string): Promise<{ cancelled: boolean; stopping: boolean; state: JobState }>;
  /**
   * Jobs that ended in `state` (succeeded, failed, dead or cancelled), newest first by when they
   * finished, from the record store's index; expired records are never listed. `limit` defaults to
   * 50 (at most 500); pass the page's `next` as `after` for the next page (null: no more). A page may
   * hold fewer than `limit` while `next` is set, when `queue` or `job` filter out most of what the
   * store read. Rejects with ConfigurationError when the store cannot list.
   */
  list(query: JobListQuery): Promise<JobPage>;
}

export interface JobListQuery {
  readonly state: "succeeded" | "failed" | "dead" | "cancelled";
  readonly queue?: string;
  readonly job?: string;
  readonly limit?: number;
  readonly after?: string;
}

export interface JobPage {
  readonly records: JobRecord[];
  readonly next: string | null;
}

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;

const maxIdLength = 512;
const firstPollMs = 25;
const slowestPollMs = 500;

/**
 * `queuePaused` answers whether a queue is paused now (the coordination store's flag), so that the
 * waiting jobs of a paused queue read `held` by `queue-paused`; it is asked only for waiting records.
 */
/**
 * `unstartedKeepMs`: how long the cancelled record of a job that has not started must live, counted from now: until
 * its message can no longer be delivered (its runAt, then as long as the backend may keep it unseen), since it is
 * the record that stops the job when it is. Kept only `keep.cancelled`, a job due later than that ran anyway.
 */
export function createJobRecords(store: () => Promise<RecordStore>, options: ResolvedRecordsOptions, queuePaused?: (queue: string) => Promise<boolean>, unstartedKeepMs?: (runAt: number | null, now: number) => Promise<number>): JobRecords {
  const get = async (id: string): Promise<JobRecord | null> => {
    const stored = await (await store()).get(checkId(id));
    if (!stored) return null;
    const record = toJobRecord(stored, Date.now(), options.args);
    if (record.state !== "waiting" || !queuePaused || !(await queuePaused(record.queue))) return record;
    return { ...record, state: "held", heldBy: "queue-paused" };
  };
  return {
    get,
    async wait(id, waitOptions = {}) {
      if (typeof waitOptions !== "object" || waitOptions === null) throw new ConfigurationError({ field: "options", message: "wait takes { timeout } such as { timeout: \"30s\" }" });
      const timeoutMs = toPositiveMilliseconds(waitOptions.timeout ?? "5m", "timeout");
      const deadline = Date.now() + timeoutMs;
      let pollMs = firstPollMs;
      for (;;) {
        waitOptions.signal?.throwIfAborted();
        const record = await get(id);
        if (!record) throw new JobNotFoundError({ jobId: id });
        if (FINISHED_STATES.has(record.state)) return record;
        const left = deadline - Date.now();
        if (left <= 0) throw new JobWaitTimeoutError({ jobId: id, timeoutMs, state: record.state });
        await delay(Math.min(pollMs, left), undefined, { signal: waitOptions.signal });
        pollMs = Math.min(slowestPollMs, pollMs * 2);
      }
    },
    async cancel(id) {
      const now = Date.now();
      const opened = await store();
      // One read first: a job not started yet keeps its cancelled record until its message can no longer come.
      const current = unstartedKeepMs === undefined ? undefined : await opened.get(checkId(id));
      const unstarted = current !== undefined && current !== null && current.state !== "running" && !FINISHED_STATES.has(current.state);
      const ttlMs = unstarted ? Math.max(options.keepMs.cancelled, await unstartedKeepMs!(current.runAt ?? null, now)) : options.keepMs.cancelled;
      const outcome = await opened.cancel(checkId(id), { now, ttlMs });
      if (outcome.status === "unknown") throw new JobNotFoundError({ jobId: id });
      if (outcome.status === "cancelled") return { cancelled: true, stopping: false, state: "cancelled" };
      if (outcome.status === "requested") return { cancelled: false, stopping: true, state: "running" };
      return { cancelled: false, stopping: false, state: (isHeldState(outcome.state) ? "held" : outcome.state) as JobState };
    },
    async list(query) {
      const checked = checkListQuery(query);
      const opened = await store();
      if (!opened.list) {
        throw new ConfigurationError({ field: "records.store", message: `the ${opened.name} record store cannot list records (no index): use a store that can, such as createRedisRecordStore on a single Redis node, createPostgresRecordStore or the memory store` });
      }
      const page = await opened.list(checked);
      const now = Date.now();
      return { records: page.records.map((stored) => toJobRecord(stored, now, options.args)), next: page.next };
    },
  };
}

const listKeys = ["state", "queue", "job", "limit", "after"] as const satisfies readonly (keyof JobListQuery)[];

function checkListQuery(query: JobListQuery): RecordListQuery {
  if (typeof query !== "object" || query === null) throw new ConfigurationError({ field: "options", message: 'list takes { state } such as { state: "dead", limit: 50 }' });
  rejectUnknownOptions(query, listKeys, "jobs.list");
  if (!LISTED_STATES.has(query.state)) {
    throw new ConfigurationError({ field: "state", message: `must be one of ${[...LISTED_STATES].join(", ")} (finished jobs are listed), got ${JSON.stringify(query.state)}` });
  }
  const limit = query.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) throw new ConfigurationError({ field: "limit", message: `must be a whole number from 1 to ${MAX_LIST_LIMIT}, got ${JSON.stringify(limit)}` });
  for (const field of ["queue", "job"] as const) {
    const value = query[field];
    if (value !== undefined && (typeof value !== "string" || value.length === 0 || value.length > maxIdLength)) {
      throw new ConfigurationError({ field, message: `must be a non-empty string of at most ${maxIdLength} characters, or left out for every ${field}` });
    }
  }
  if (query.after !== undefined) decodeRecordCursor(query.after);
  return { state: query.state, limit, ...(query.queue !== undefined && { queue: query.queue }), ...(query.job !== undefined && { job: query.job }), ...(query.after !== undefined && { after: query.after }) };
}

/** Every call of `hopper.jobs` when records are off. */
export function recordsOff(): JobRecords {
  const refuse = async (): Promise<never> => {
    throw new ConfigurationError({ field: "records", message: "job records are off: turn them on with createHopper({ records: {} }) (SQS and Pub/Sub also need records: { store })" });
  };
  return { get: refuse, wait: refuse, cancel: refuse, list: refuse };
}

function checkId(id: unknown): string {
  if (typeof id !== "string" || id.length === 0 || id.length > maxIdLength) {
    throw new ConfigurationError({ field: "id", message: `must be a job id (a non-empty string of at most ${maxIdLength} characters, as performLater returned), got ${typeof id === "string" ? `a string of ${id.length} characters` : typeof id}` });
  }
  return id;
}

function toJobRecord(stored: StoredJobRecord, now: number, showArgs: boolean): JobRecord {
  const held = isHeldState(stored.state);
  const state = held ? "held" : stored.state === "waiting" && stored.runAt !== null && stored.runAt > now ? "scheduled" : (stored.state as JobState);
  return {
    id: stored.id,
    job: stored.job,
    queue: stored.queue,
    state,
    heldBy: held ? (stored.state.slice("held:".length) as HoldReason) : null,
    attempt: stored.attempt,
    progress: parse(stored.progress),
    result: parse(stored.result),
    ...errorOf(stored),
    enqueuedAt: new Date(stored.enqueuedAt),
    startedAt: date(stored.startedAt),
    finishedAt: date(stored.finishedAt),
    runAt: date(stored.runAt),
    cancelRequested: stored.cancelRequested,
    batchId: stored.batchId ?? null,
    parentId: stored.parentId ?? null,
    args: showArgs ? readArgsRecord(stored.args) : { kept: false, reason: "off" },
  };
}

/**
 * The record's error and whether the running attempt is hung: the core writes a hung run's error with the attempt
 * it is about and when (`hungAttempt`, `hungAt`: RecordWriter.hung), which a later start leaves as the last error.
 * A run started after that write (another attempt, or the same attempt number delivered again where the backend
 * counts no deliveries) is not the hung one. The start may be the store's clock (a claim's) and the write's the
 * worker's: a store clock ahead of the worker's by more than the timeout and a second would read the hung run not hung.
 */
function errorOf(stored: StoredJobRecord): Pick<JobRecord, "error" | "hung"> {
  const error = parse(stored.error);
  if (typeof error !== "object" || error === null || !("hungAttempt" in error)) return { error: error as JobRecord["error"], hung: false };
  const { hungAttempt, hungAt, ...shown } = error as { hungAttempt: unknown; hungAt?: unknown; name: string; message: string };
  const sameRun = hungAttempt === stored.attempt && (stored.startedAt === null || typeof hungAt !== "number" || stored.startedAt <= hungAt);
  return { error: shown, hung: stored.state === "running" && sameRun };
}

/** A store holds what the core wrote; text that is not JSON (written by hand, cut by a tool) comes back as the text rather than failing every read. */
const parse = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};
const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

import type { BackendCapabilities } from "../backend/backend.js";
import { toPositiveMilliseconds, toPositiveTimerMilliseconds, type Duration } from "../duration.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { rejectUnknownOptions } from "../option-keys.js";
import { DEFAULT_MAX_ARGS_BYTES, DEFAULT_MAX_RESULT_BYTES } from "./record-values.js";
import type { RecordStore } from "./record-store.js";

/** How long records are kept after their last change, per state. */
export interface RecordRetention {
  readonly succeeded?: Duration;
  readonly failed?: Duration;
  readonly dead?: Duration;
  readonly cancelled?: Duration;
  /**
   * Waiting, scheduled, running and retrying jobs, on backends that drop a message after a retention (SQS,
   * Pub/Sub): kept this long past the retention (counted from `runAt`), a bound for records whose message
   * the backend dropped or dead-lettered itself. Where messages stay until acked (Redis, PostgreSQL, PGlite,
   * memory) an unfinished record never expires: it goes when its job finishes (then `keep` of that state).
   */
  readonly unfinished?: Duration;
}

export interface RecordsOptions {
  /** Where records live. Default: the backend's own server (memory, Redis, PostgreSQL, PGlite); SQS and Pub/Sub need one (createRedisRecordStore, createPostgresRecordStore). */
  readonly store?: RecordStore;
  /** Default { succeeded: "1d", failed: "7d", dead: "7d", cancelled: "1d", unfinished: "7d" }. */
  readonly keep?: RecordRetention;
  /** Largest result (JSON bytes) a job may return; a larger one fails the job with JobRecordValueError. Default 64 KiB. */
  readonly maxResultBytes?: number;
  /**
   * Keep each job's args in its record (written with the insert, shown by `hopper.jobs` and the dashboard).
   * Default true; false keeps none and shows none (args that hold personal data or secrets).
   */
  readonly args?: boolean;
  /** Largest args (JSON bytes) a record keeps; larger ones are kept as their size only, and the enqueue goes on. Default 16 KiB. */
  readonly maxArgsBytes?: number;
  /** How often a worker reads a running job's record to see whether it was cancelled (one read per running job per interval). Default "1s". */
  readonly cancelCheck?: Duration;
}

export interface ResolvedRecordsOptions {
  readonly keepMs: Readonly<Record<keyof RecordRetention, number>>;
  readonly maxResultBytes: number;
  readonly cancelCheckMs: number;
  readonly args: boolean;
  readonly maxArgsBytes: number;
}

const defaultKeep = { succeeded: "1d", failed: "7d", dead: "7d", cancelled: "1d", unfinished: "7d" } as const satisfies Record<keyof RecordRetention, Duration>;
const keepKeys = Object.keys(defaultKeep) as (keyof RecordRetention)[];
const recordsKeys = ["store", "keep", "maxResultBytes", "cancelCheck", "args", "maxArgsBytes"] as const satisfies readonly (keyof RecordsOptions)[];

export function resolveRecordsOptions(options: RecordsOptions): ResolvedRecordsOptions {
  if (typeof options !== "object" || options === null) throw new ConfigurationError({ field: "records", message: "must be an object such as { keep: { succeeded: \"1d\" } } ({} turns records on with the defaults)" });
  rejectUnknownOptions(options, recordsKeys, "records", "records.");
  const keep = options.keep ?? {};
  if (typeof keep !== "object" || keep === null) throw new ConfigurationError({ field: "records.keep", message: "must be an object such as { succeeded: \"1d\", failed: \"7d\" }" });
  rejectUnknownOptions(keep, keepKeys, "records.keep", "records.keep.");
  const keepMs = Object.fromEntries(keepKeys.map((state) => [state, toPositiveMilliseconds(keep[state] ?? defaultKeep[state], `records.keep.${state}`)])) as Record<keyof RecordRetention, number>;
  const maxResultBytes = options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
  if (!Number.isSafeInteger(maxResultBytes) || maxResultBytes < 4) {
    throw new ConfigurationError({ field: "records.maxResultBytes", message: `must be a whole number of bytes (at least 4, room for null), got ${JSON.stringify(maxResultBytes)}` });
  }
  const args = options.args ?? true;
  if (typeof args !== "boolean") throw new ConfigurationError({ field: "records.args", message: `must be true or false (false keeps no args in records), got ${JSON.stringify(args)}` });
  const maxArgsBytes = options.maxArgsBytes ?? DEFAULT_MAX_ARGS_BYTES;
  if (!Number.isSafeInteger(maxArgsBytes) || maxArgsBytes < 0) {
    throw new ConfigurationError({ field: "records.maxArgsBytes", message: `must be a whole number of bytes (0 or more; larger args are kept as their size), got ${JSON.stringify(maxArgsBytes)}` });
  }
  return { keepMs, maxResultBytes, cancelCheckMs: toPositiveTimerMilliseconds(options.cancelCheck ?? "1s", "records.cancelCheck"), args, maxArgsBytes };
}

/**
 * A ttl no record outlives in practice: stores take a ttl on every write, and a century means "until a later
 * write". A store may keep a record written with a ttl this long or longer without any expiry (PostgreSQL
 * stores `infinity`, which its index of expiring records leaves out).
 */
export const RECORD_KEPT_UNTIL_LATER_WRITE_MS = 100 * 365 * 86_400_000;

/**
 * How long an unfinished record is kept after its last write (past its `runAt`). Its job may wait unseen
 * (a backlog, workers down, a paused queue) or run for as long as the backend keeps its message: until
 * acked where the backend declares no retention, so the record never expires before the job finishes;
 * else the retention, plus `keep.unfinished` for a record whose message the backend dropped itself.
 */
export function unfinishedKeepMs(capabilities: BackendCapabilities, keepUnfinishedMs: number): number {
  return capabilities.messageRetentionMs === undefined ? RECORD_KEPT_UNTIL_LATER_WRITE_MS : capabilities.messageRetentionMs + keepUnfinishedMs;
}

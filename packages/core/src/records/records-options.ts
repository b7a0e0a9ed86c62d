import { toPositiveMilliseconds, type Duration } from "../duration.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { rejectUnknownOptions } from "../option-keys.js";
import { DEFAULT_MAX_RESULT_BYTES } from "./record-values.js";
import type { RecordStore } from "./record-store.js";

/** How long records are kept after their last change, per state. */
export interface RecordRetention {
  readonly succeeded?: Duration;
  readonly failed?: Duration;
  readonly dead?: Duration;
  readonly cancelled?: Duration;
  /** Waiting, scheduled (counted from `runAt`), running and retrying jobs: a bound for records whose job vanished (a purged queue, a lost message). */
  readonly unfinished?: Duration;
}

export interface RecordsOptions {
  /** Where records live. Default: the backend's own server (memory, Redis, PostgreSQL, PGlite); SQS and Pub/Sub need one (createRedisRecordStore, createPostgresRecordStore). */
  readonly store?: RecordStore;
  /** Default { succeeded: "1d", failed: "7d", dead: "7d", cancelled: "1d", unfinished: "7d" }. */
  readonly keep?: RecordRetention;
  /** Largest result (JSON bytes) a job may return; a larger one fails the job with JobRecordValueError. Default 64 KiB. */
  readonly maxResultBytes?: number;
  /** How often a worker reads a running job's record to see whether it was cancelled (one read per running job per interval). Default "1s". */
  readonly cancelCheck?: Duration;
}

export interface ResolvedRecordsOptions {
  readonly keepMs: Readonly<Record<keyof RecordRetention, number>>;
  readonly maxResultBytes: number;
  readonly cancelCheckMs: number;
}

const defaultKeep = { succeeded: "1d", failed: "7d", dead: "7d", cancelled: "1d", unfinished: "7d" } as const satisfies Record<keyof RecordRetention, Duration>;
const keepKeys = Object.keys(defaultKeep) as (keyof RecordRetention)[];
const recordsKeys = ["store", "keep", "maxResultBytes", "cancelCheck"] as const satisfies readonly (keyof RecordsOptions)[];

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
  return { keepMs, maxResultBytes, cancelCheckMs: toPositiveMilliseconds(options.cancelCheck ?? "1s", "records.cancelCheck") };
}

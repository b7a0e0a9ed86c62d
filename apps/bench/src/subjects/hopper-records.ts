import { ConfigurationError, type RecordsOptions } from "@hopper/core";

export const benchRecordsModes = ["off", "on"] as const;
export type BenchRecordsMode = (typeof benchRecordsModes)[number];

/**
 * HOPPER_BENCH_RECORDS: "off" (default) runs the Hopper subject without job records; "on" with
 * `records: {}` (the backend's own store: memory, Redis, PostgreSQL, PGlite; SQS and Pub/Sub have
 * none and refuse), to measure what records cost.
 */
export function benchRecords(mode: string = "off"): { readonly mode: BenchRecordsMode; readonly options: { records?: RecordsOptions } } {
  if (mode === "off") return { mode, options: {} };
  if (mode === "on") return { mode, options: { records: {} } };
  throw new ConfigurationError({ field: "HOPPER_BENCH_RECORDS", message: `must be one of ${benchRecordsModes.join(", ")}, got ${JSON.stringify(mode)}` });
}

import type { Backend } from "../backend/backend.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import type { Logger } from "../logger.js";
import { checkRecordStore } from "./check-record-store.js";
import { createJobEvents, type JobEvents } from "./job-events.js";
import { createJobRecords, recordsOff, type JobRecords } from "./job-records.js";
import type { RecordStore } from "./record-store.js";
import { RecordWriter } from "./record-writer.js";
import { resolveRecordsOptions, unfinishedKeepMs, type RecordsOptions } from "./records-options.js";

export interface OpenRecords {
  readonly jobs: JobRecords;
  readonly events: JobEvents;
  /** Spread into the enqueuer's, worker's and push handler's dependencies: `{ records }`, or nothing when records are off. */
  readonly writing: { readonly records?: RecordWriter };
  /** Resolves once the store is known (at once after the first time); rejects with ConfigurationError when records are on and there is none. */
  check(): Promise<void>;
  /** True when `check` has nothing left to do (records off, or checked once). */
  checked(): boolean;
  /**
   * Forgets the records of discarded dead letters: only records that say dead on `queue` (a letter's id
   * is read from its body, which must not reach another job's record). A store without `remove` leaves
   * them to expire. Never throws.
   */
  forget(queue: string, ids: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Records as `createHopper({ records })` asks: off (nothing is written, every
 * `hopper.jobs` call refuses), or a store resolved on first use: the one given,
 * else the backend's own, else a ConfigurationError naming `records.store`.
 */
export function openRecords(options: RecordsOptions | undefined, backend: () => Promise<Backend>, logger: Logger, queuePaused?: (queue: string) => Promise<boolean>): OpenRecords {
  if (options === undefined) {
    const jobs = recordsOff();
    // The same refusal as hopper.jobs: records are off.
    const events: JobEvents = { on: async () => jobs.get("").then(() => async () => {}) };
    return { jobs, events, writing: {}, check: async () => {}, checked: () => true, forget: async () => {}, close: async () => {} };
  }
  const resolved = resolveRecordsOptions(options);
  const logging = (store: RecordStore): RecordStore => {
    store.useLogger?.(logger);
    return store;
  };
  const given = options.store === undefined ? undefined : logging(checkRecordStore(options.store));
  let opening: Promise<{ store: RecordStore; riding: boolean }> | undefined;
  const opened = (): Promise<{ store: RecordStore; riding: boolean }> => {
    opening ??= (async () => {
      if (given) return { store: given, riding: false };
      const ready = await backend();
      const own = ready.recordStore?.();
      // The backend's own store, written by the backend's own calls where it says so: no round trips of their own.
      if (own) return { store: logging(checkRecordStore(own)), riding: ready.capabilities.writesOwnRecords === true };
      throw new ConfigurationError({
        field: "records.store",
        message: `the ${ready.name} backend keeps no job records of its own: pass createHopper({ records: { store: createRedisRecordStore({ url }) } }) or createPostgresRecordStore({ connectionString }), shared by every process`,
      });
    })().catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };
  const store = async (): Promise<RecordStore> => (await opened()).store;
  const events = createJobEvents(store, logger);
  const writer = new RecordWriter(opened, resolved, logger, backend);
  return {
    jobs: createJobRecords(store, resolved, queuePaused, async (runAt, now) => unfinishedKeepMs((await backend()).capabilities, resolved.keepMs.unfinished) + Math.max(0, (runAt ?? now) - now)),
    events,
    writing: { records: writer },
    check: () => writer.check(),
    checked: () => writer.checked,
    async forget(queue, ids) {
      if (ids.length === 0) return;
      try {
        const opened = await store();
        if (!opened.remove) return;
        const records = await Promise.all(ids.map(async (id) => opened.get(id)));
        const dead = records.filter((record) => record?.state === "dead" && record.queue === queue).map((record) => record!.id);
        if (dead.length > 0) await opened.remove(dead);
      } catch (error) {
        // The dead letters are gone already; their records then say dead until they expire.
        logger.warn("could not remove the records of discarded jobs", { error, count: ids.length });
      }
    },
    async close() {
      await events.close();
      const own = given ?? (await opening?.catch(() => undefined))?.store;
      await own?.close();
    },
  };
}

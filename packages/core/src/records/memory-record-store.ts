import { BackendClosedError } from "../errors/backend-closed-error.js";
import { RECORD_STORE_SPECIFICATION_VERSION, type RecordStore, type StoredJobRecord } from "./record-store.js";

type Entry = { record: StoredJobRecord; expiresAt: number };
const shared = new Map<string, Map<string, Entry>>();
const sweepEveryMs = 1000;

export interface MemoryRecordStoreOptions {
  /** Stores created with the same name share records within the process (as memory backends share queues). Default: a store of its own. */
  readonly store?: string;
  /** The clock ttls are measured by (a test clock). Default Date.now. */
  readonly now?: () => number;
}

/** Job records in this process, for the memory backend and tests. */
export function createMemoryRecordStore(options: MemoryRecordStoreOptions = {}): RecordStore {
  let entries = options.store === undefined ? undefined : shared.get(options.store);
  if (!entries) {
    entries = new Map();
    if (options.store !== undefined) shared.set(options.store, entries);
  }
  const records = entries;
  const now = options.now ?? Date.now;
  let closed = false;
  let lastSweep = now();
  const open = () => {
    if (closed) throw new BackendClosedError({ backend: "memory records" });
    // Expired records of jobs nobody asks about again still go.
    if (now() - lastSweep >= sweepEveryMs) {
      lastSweep = now();
      for (const [id, entry] of records) if (entry.expiresAt <= lastSweep) records.delete(id);
    }
  };
  const live = (id: string): StoredJobRecord | undefined => {
    const entry = records.get(id);
    if (entry && entry.expiresAt <= now()) {
      records.delete(id);
      return undefined;
    }
    return entry?.record;
  };
  const put = (record: StoredJobRecord, ttlMs: number) => void records.set(record.id, { record, expiresAt: now() + ttlMs });
  const blank = (identity: { id: string; job: string; queue: string; enqueuedAt: number }): StoredJobRecord => ({
    ...identity,
    state: "waiting",
    attempt: 0,
    progress: null,
    result: null,
    error: null,
    startedAt: null,
    finishedAt: null,
    runAt: null,
    cancelRequested: false,
  });
  const identity = ({ id, job, queue, enqueuedAt }: { id: string; job: string; queue: string; enqueuedAt: number }) => ({ id, job, queue, enqueuedAt });

  return {
    specificationVersion: RECORD_STORE_SPECIFICATION_VERSION,
    name: "memory",
    async insert(inserted) {
      open();
      for (const record of inserted) if (!live(record.id)) put({ ...blank(identity(record)), runAt: record.runAt }, record.ttlMs);
    },
    async start(started) {
      open();
      const current = live(started.id) ?? blank(identity(started));
      if (current.state === "cancelled" || current.cancelRequested) return "cancelled";
      put({ ...current, state: "running", attempt: started.attempt, startedAt: started.startedAt, finishedAt: null, runAt: null }, started.ttlMs);
      return "running";
    },
    async progress(id, progress) {
      open();
      const entry = records.get(id);
      if (!live(id) || entry!.record.state !== "running") return false;
      entry!.record = { ...entry!.record, progress };
      return true;
    },
    async settle(settled) {
      open();
      const current = live(settled.id) ?? blank(identity(settled));
      if (current.state === "cancelled") return;
      put(
        {
          ...current,
          state: settled.state,
          attempt: settled.attempt,
          result: settled.result ?? null,
          error: settled.error ?? null,
          finishedAt: settled.finishedAt ?? null,
          runAt: settled.runAt ?? null,
        },
        settled.ttlMs,
      );
    },
    async get(id) {
      open();
      return live(id);
    },
    async cancel(id, { now: cancelledAt, ttlMs }) {
      open();
      const current = live(id);
      if (!current) return { status: "unknown" };
      if (current.state === "cancelled") return { status: "cancelled" };
      if (current.state === "running") {
        records.get(id)!.record = { ...current, cancelRequested: true };
        return { status: "requested" };
      }
      if (current.state !== "waiting" && current.state !== "retrying") return { status: "refused", state: current.state };
      put({ ...current, state: "cancelled", finishedAt: cancelledAt }, ttlMs);
      return { status: "cancelled" };
    },
    async close() {
      closed = true;
    },
  };
}

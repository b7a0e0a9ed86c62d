import { BackendClosedError } from "../errors/backend-closed-error.js";
import { decodeRecordCursor, encodeRecordCursor } from "./record-cursor.js";
import { isHeldState, LISTED_STATES, RECORD_STORE_SPECIFICATION_VERSION, type RecordEvent, type RecordStore, type StoredJobRecord } from "./record-store.js";

type Entry = { record: StoredJobRecord; expiresAt: number };
/** `byState`: the ids of each listed (finished) state, so `list` reads one state's records, not all. */
type Shared = { records: Map<string, Entry>; byState: Map<string, Set<string>>; listeners: Set<(event: RecordEvent) => void> };
const shared = new Map<string, Shared>();
const sweepEveryMs = 1000;

export interface MemoryRecordStoreOptions {
  /** Stores created with the same name share records within the process (as memory backends share queues). Default: a store of its own. */
  readonly store?: string;
  /** The clock ttls are measured by (a test clock). Default Date.now. */
  readonly now?: () => number;
}

/** Job records in this process, for the memory backend and tests. */
export function createMemoryRecordStore(options: MemoryRecordStoreOptions = {}): RecordStore {
  let state = options.store === undefined ? undefined : shared.get(options.store);
  if (!state) {
    state = { records: new Map(), byState: new Map(), listeners: new Set() };
    if (options.store !== undefined) shared.set(options.store, state);
  }
  const { records, byState, listeners } = state;
  const unindex = (id: string) => {
    const state = records.get(id)?.record.state;
    if (state !== undefined) byState.get(state)?.delete(id);
  };
  const forget = (id: string) => {
    unindex(id);
    records.delete(id);
  };
  const emit = (record: StoredJobRecord, progress?: string, hung?: true) => {
    const event: RecordEvent = { id: record.id, job: record.job, queue: record.queue, state: record.state, attempt: record.attempt, ...(progress !== undefined && { progress }), ...(hung && { hung }) };
    for (const listener of listeners) listener(event);
  };
  const now = options.now ?? Date.now;
  let closed = false;
  let lastSweep = now();
  const open = () => {
    if (closed) throw new BackendClosedError({ backend: "memory records" });
    // Expired records of jobs nobody asks about again still go.
    if (now() - lastSweep >= sweepEveryMs) {
      lastSweep = now();
      for (const [id, entry] of records) if (entry.expiresAt <= lastSweep) forget(id);
    }
  };
  const live = (id: string): StoredJobRecord | undefined => {
    const entry = records.get(id);
    if (entry && entry.expiresAt <= now()) {
      forget(id);
      return undefined;
    }
    return entry?.record;
  };
  const put = (record: StoredJobRecord, ttlMs: number) => {
    unindex(record.id);
    records.set(record.id, { record, expiresAt: now() + ttlMs });
    if (LISTED_STATES.has(record.state)) {
      let ids = byState.get(record.state);
      if (!ids) byState.set(record.state, (ids = new Set()));
      ids.add(record.id);
    }
    emit(record);
  };
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
    batchId: null,
    parentId: null,
    args: null,
  });
  // A write naming another queue or job than the live record's is not that record's (a crafted push envelope).
  const foreign = (current: StoredJobRecord | undefined, write: { job: string; queue: string }) => current !== undefined && (current.queue !== write.queue || current.job !== write.job);
  const identity = ({ id, job, queue, enqueuedAt }: { id: string; job: string; queue: string; enqueuedAt: number }) => ({ id, job, queue, enqueuedAt });

  return {
    specificationVersion: RECORD_STORE_SPECIFICATION_VERSION,
    name: "memory",
    async insert(inserted) {
      open();
      for (const record of inserted) if (!live(record.id)) put({ ...blank(identity(record)), runAt: record.runAt, batchId: record.batchId ?? null, parentId: record.parentId ?? null, args: record.args ?? null }, record.ttlMs);
    },
    async start(started) {
      open();
      const found = live(started.id);
      if (foreign(found, started)) return "running";
      const current = found ?? blank(identity(started));
      if (current.state === "cancelled" || current.cancelRequested) return "cancelled";
      put({ ...current, state: "running", attempt: started.attempt, startedAt: started.startedAt, finishedAt: null, runAt: null }, started.ttlMs);
      return "running";
    },
    async progress(id, progress) {
      open();
      const entry = records.get(id);
      if (!live(id) || entry!.record.state !== "running") return false;
      entry!.record = { ...entry!.record, progress };
      emit(entry!.record, progress);
      return true;
    },
    async hung({ id, job, queue, attempt, error }) {
      open();
      const current = live(id);
      if (!current || current.state !== "running" || current.attempt !== attempt || foreign(current, { job, queue })) return false;
      const entry = records.get(id)!;
      entry.record = { ...current, error };
      emit(entry.record, undefined, true);
      return true;
    },
    async settle(settled) {
      open();
      const found = live(settled.id);
      if (foreign(found, settled)) return;
      const current = found ?? blank(identity(settled));
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
      if (current.state !== "waiting" && current.state !== "retrying" && !isHeldState(current.state)) return { status: "refused", state: current.state };
      put({ ...current, state: "cancelled", finishedAt: cancelledAt }, ttlMs);
      return { status: "cancelled" };
    },
    async list({ state, queue, job, limit, after }) {
      open();
      const cursor = after === undefined ? undefined : decodeRecordCursor(after);
      const at = (record: StoredJobRecord) => record.finishedAt ?? 0;
      // Newest first; ties by id, descending, so a cursor (at, id) splits them.
      const older = (record: StoredJobRecord, than: { at: number; id: string }) => at(record) < than.at || (at(record) === than.at && record.id < than.id);
      const found = [...(byState.get(state) ?? [])]
        .map(live)
        .filter((record): record is StoredJobRecord => record !== undefined && (queue === undefined || record.queue === queue) && (job === undefined || record.job === job))
        .filter((record) => cursor === undefined || older(record, cursor))
        .sort((a, b) => (older(a, { at: at(b), id: b.id }) ? 1 : -1));
      const page = found.slice(0, limit);
      const last = page.at(-1);
      return { records: page, next: found.length > limit && last ? encodeRecordCursor({ at: at(last), id: last.id }) : null };
    },
    async remove(ids) {
      open();
      for (const id of ids) forget(id);
    },
    async subscribe(listener) {
      open();
      // Delivered on a later tick, as a server's would be, so a listener never runs inside a write.
      const deliver = (event: RecordEvent) => queueMicrotask(() => listener(event));
      listeners.add(deliver);
      return async () => void listeners.delete(deliver);
    },
    async close() {
      closed = true;
    },
  };
}

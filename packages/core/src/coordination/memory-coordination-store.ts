import { BackendClosedError } from "../errors/backend-closed-error.js";
import { COORDINATION_SPECIFICATION_VERSION, type CoordinationStore } from "./coordination-store.js";
import { refuseTransaction } from "./refuse-transaction.js";
import { stepRateSlot } from "./rate-slot.js";

/**
 * The reference coordination store: correct within one process only. It is
 * the default when `createHopper` gets no `coordination`, which is right for
 * tests, the memory backend and a single process; more processes need a
 * shared store (Redis or PostgreSQL).
 */
export function createMemoryCoordinationStore(options: { now?: () => number } = {}): CoordinationStore {
  const now = options.now ?? Date.now;
  const holdersByKey = new Map<string, Map<string, number>>();
  const marks = new Map<string, number>();
  // Rate limits' buckets: key → theoretical arrival time; a bucket past it is full again, so it is dropped.
  const buckets = new Map<string, number>();
  // Entries: key → member → value and expiry.
  const entriesByKey = new Map<string, Map<string, { value: string; expiresAt: number }>>();
  // Holds (v7): key → when its hold ends; while it lasts no entry of the key expires.
  const holds = new Map<string, number>();
  // Fenced claims: key → the last holder, its token, its expiry, and whether the key was committed.
  const fences = new Map<string, FenceState>();
  let closed = false;

  const open = () => {
    if (closed) throw new BackendClosedError({ backend: "memory coordination" });
  };
  /** The live entries of `key`, with expired ones dropped unless the key is held. */
  const liveEntries = (key: string) => {
    const entries = entriesByKey.get(key);
    if (!entries) return undefined;
    const at = now();
    if ((holds.get(key) ?? -Infinity) > at) return entries;
    for (const [member, entry] of entries) if (entry.expiresAt <= at) entries.delete(member);
    if (entries.size === 0) entriesByKey.delete(key);
    return entries.size === 0 ? undefined : entries;
  };
  /** The live holders of `key` (holder → expiry), with expired ones dropped. */
  const live = (key: string): Map<string, number> => {
    const holders = holdersByKey.get(key) ?? new Map<string, number>();
    const at = now();
    for (const [holder, expiresAt] of holders) if (expiresAt <= at) holders.delete(holder);
    if (holders.size === 0) holdersByKey.delete(key);
    return holders;
  };

  /** The live fenced claim of `key`, with an expired one dropped. */
  const fenceOf = (key: string): FenceState | undefined => {
    const state = fences.get(key);
    if (state && state.keepUntil <= now()) fences.delete(key);
    return fences.get(key);
  };

  return {
    specificationVersion: COORDINATION_SPECIFICATION_VERSION,
    name: "memory",
    async acquire(key, holder, options) {
      open();
      refuseTransaction("memory", options);
      const { limit, ttlMs } = options;
      const holders = live(key);
      const acquired = holders.has(holder) || holders.size < limit;
      if (acquired) {
        holders.set(holder, now() + ttlMs);
        holdersByKey.set(key, holders);
      }
      return { acquired, holders: [...holders.keys()] };
    },
    async extend(key, holder, ttlMs) {
      open();
      const holders = live(key);
      if (!holders.has(holder)) return false;
      holders.set(holder, now() + ttlMs);
      return true;
    },
    async release(key, holder, options) {
      open();
      refuseTransaction("memory", options);
      live(key).delete(holder);
      if (holdersByKey.get(key)?.size === 0) holdersByKey.delete(key);
    },
    async advance(key, value) {
      open();
      const stored = marks.get(key);
      if (value !== undefined && (stored === undefined || value > stored)) marks.set(key, value);
      return marks.get(key);
    },
    async takeRateSlot(key, options) {
      open();
      const at = now();
      const stored = buckets.get(key);
      const { slot, tat } = stepRateSlot(stored !== undefined && stored > at ? stored : undefined, at, options);
      if (tat !== undefined) buckets.set(key, tat);
      if (buckets.size > 10_000) for (const [bucket, full] of buckets) if (full <= at) buckets.delete(bucket);
      return slot;
    },
    async putEntry(key, member, value, ttlMs, options) {
      open();
      const entries = liveEntries(key) ?? new Map<string, { value: string; expiresAt: number }>();
      if (options?.unless === undefined || entries.get(member)?.value !== options.unless) entries.set(member, { value, expiresAt: now() + ttlMs });
      entriesByKey.set(key, entries);
    },
    async holdEntries(key, ttlMs) {
      open();
      const until = now() + ttlMs;
      if ((holds.get(key) ?? -Infinity) < until) holds.set(key, until);
      if (holds.size > 10_000) for (const [held, end] of holds) if (end <= now()) holds.delete(held);
    },
    async listEntries(key) {
      open();
      const entries = liveEntries(key);
      return entries ? [...entries].map(([member, { value }]) => ({ member, value })) : [];
    },
    async removeEntry(key, member) {
      open();
      entriesByKey.get(key)?.delete(member);
    },
    async countEntries(key) {
      open();
      const entries = entriesByKey.get(key);
      if (!entries) return 0;
      const at = now();
      if ((holds.get(key) ?? -Infinity) > at) return entries.size;
      let live = 0;
      for (const entry of entries.values()) if (entry.expiresAt > at) live++;
      return live;
    },
    async acquireFenced(key, holder, { ttlMs, keepMs }) {
      open();
      const at = now();
      const state = fenceOf(key);
      if (state?.committed) return { acquired: false, committed: true };
      if (state && state.holder !== holder && state.expiresAt > at) return { acquired: false, committed: false };
      const token = !state ? 1 : state.holder === holder ? state.token : state.token + 1;
      fences.set(key, { holder, token, expiresAt: at + ttlMs, committed: false, keepUntil: Math.max(state?.keepUntil ?? 0, at + keepMs, at + ttlMs) });
      return { acquired: true, token, committed: false };
    },
    async extendFenced(key, holder, ttlMs) {
      open();
      const at = now();
      const state = fenceOf(key);
      if (!state || state.committed || state.holder !== holder || state.expiresAt <= at) return false;
      state.expiresAt = at + ttlMs;
      state.keepUntil = Math.max(state.keepUntil, state.expiresAt);
      return true;
    },
    async releaseFenced(key, holder) {
      open();
      const state = fenceOf(key);
      if (state?.holder === holder) state.expiresAt = 0;
    },
    async fence(key, token, { commit, keepMs }) {
      open();
      const state = fenceOf(key);
      if (!state || state.committed || state.token !== token) return false;
      if (commit) {
        state.committed = true;
        state.keepUntil = Math.max(state.keepUntil, now() + keepMs);
      }
      return true;
    },
    async now() {
      open();
      return now();
    },
    async close() {
      closed = true;
    },
  };
}

interface FenceState {
  holder: string;
  token: number;
  expiresAt: number;
  committed: boolean;
  keepUntil: number;
}

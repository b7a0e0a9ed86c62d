import { COORDINATION_SPECIFICATION_VERSION, type CoordinationStore } from "./coordination-store.js";

/**
 * The store `createHopper` uses when given none, resolved on first use: in
 * process for a process-local backend (memory, embedded PGlite), the adapter's
 * own store on the same server for a URL backend that has one (Redis,
 * PostgreSQL), and otherwise a ConfigurationError from `resolve` — so unique
 * jobs, concurrency limits, rate limits and recurring jobs refuse loudly rather than
 * coordinate within one process only.
 */
export function createDefaultCoordinationStore(resolve: () => Promise<CoordinationStore>): CoordinationStore {
  let resolving: Promise<CoordinationStore> | undefined;
  const store = (): Promise<CoordinationStore> => {
    resolving ??= resolve().catch((error: unknown) => {
      resolving = undefined;
      throw error;
    });
    return resolving;
  };
  return {
    specificationVersion: COORDINATION_SPECIFICATION_VERSION,
    name: "default",
    acquire: async (key, holder, options) => (await store()).acquire(key, holder, options),
    extend: async (key, holder, ttlMs) => (await store()).extend(key, holder, ttlMs),
    release: async (key, holder, options) => (await store()).release(key, holder, options),
    advance: async (key, value) => (await store()).advance(key, value),
    takeRateSlot: async (key, options) => (await store()).takeRateSlot(key, options),
    putEntry: async (key, member, value, ttlMs, options) => (await store()).putEntry(key, member, value, ttlMs, options),
    holdEntries: async (key, ttlMs) => (await store()).holdEntries(key, ttlMs),
    listEntries: async (key) => (await store()).listEntries(key),
    removeEntry: async (key, member) => (await store()).removeEntry(key, member),
    countEntries: async (key) => (await store()).countEntries(key),
    acquireFenced: async (key, holder, options) => (await store()).acquireFenced(key, holder, options),
    extendFenced: async (key, holder, ttlMs) => (await store()).extendFenced(key, holder, ttlMs),
    releaseFenced: async (key, holder) => (await store()).releaseFenced(key, holder),
    fence: async (key, token, options) => (await store()).fence(key, token, options),
    now: async () => (await store()).now(),
    async close() {
      const opened = await resolving?.catch(() => undefined);
      await opened?.close();
    },
  };
}

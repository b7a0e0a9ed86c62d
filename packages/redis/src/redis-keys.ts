/**
 * Every key of one queue shares the hash tag `{<prefix>:<queue>}`, so one
 * queue lives in one Redis Cluster slot and its scripts stay single-slot.
 * The full layout is documented in scripts/common.lua and the README.
 */
export interface QueueKeys {
  /** `{<prefix>:<queue>}:`; scripts append `m:<handle>` and `o:<ordering key>` to it. */
  readonly base: string;
  readonly ready: string;
  readonly delayed: string;
  readonly leased: string;
  readonly meta: string;
  readonly dedupe: string;
  /** Handles whose message hash was missing when a receive met them (receive.lua). */
  readonly orphans: string;
  /** Pub/sub channel that wakes receivers waiting on this queue. */
  readonly wakeChannel: string;
}

export function queueKeys(prefix: string, queue: string): QueueKeys {
  const base = `{${prefix}:${queue}}:`;
  return {
    base,
    ready: `${base}ready`,
    delayed: `${base}delayed`,
    leased: `${base}leased`,
    meta: `${base}meta`,
    dedupe: `${base}dedupe`,
    orphans: `${base}orphans`,
    wakeChannel: `${base}wake`,
  };
}

/** Caches key sets: receive and ack look them up per call. */
export function createKeyCache(prefix: string): (queue: string) => QueueKeys {
  const cache = new Map<string, QueueKeys>();
  return (queue) => {
    let keys = cache.get(queue);
    if (!keys) {
      keys = queueKeys(prefix, queue);
      cache.set(queue, keys);
    }
    return keys;
  };
}

/** Where job records live (`<prefix>:record:<id>`, outside every queue's hash tag) and where their changes are published. */
export interface RecordKeys {
  readonly prefix: string;
  readonly channel: string;
  /** The sorted set of a finished state's job ids by finished time (records.lua derives the same name from a record key). */
  index(state: string): string;
}

export function recordKeys(prefix: string): RecordKeys {
  return { prefix: `${prefix}:record:`, channel: `${prefix}:record-events`, index: (state) => `${prefix}:record-index:${state}` };
}

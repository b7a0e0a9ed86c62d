/**
 * The coordination contract: the few shared, expiring facts that recurring
 * jobs, per-key concurrency limits and unique jobs need, kept apart from the
 * transport so that any backend (SQS and Pub/Sub included) can use a store on
 * Redis or PostgreSQL.
 *
 * A key has up to `limit` holders; each holder expires `ttlMs` after its last
 * `acquire` or `extend`, measured by the store's own clock (the Redis or
 * PostgreSQL server), so processes with skewed clocks still agree.
 *
 * Guarantees every store gives:
 * - Each call is atomic against every other call on the same key, from any
 *   process sharing the store: two `acquire`s never both take the last place.
 * - An expired holder counts as absent everywhere; nothing needs to clean up
 *   after a process that died holding a key.
 * - Marks (`advance`) never expire and only ever grow.
 * - `now` reads the clock every ttl is measured by (v2; v1 stores had none).
 * - `takeRateSlot` (v3) is one atomic step of a rate limit's bucket, timed by
 *   the store's clock; an untouched bucket expires once it is full again.
 * - Entries (`putEntry`, v4) expire `ttlMs` after their last put, like
 *   holders, but carry a value and have no limit: a roster of live processes
 *   (the worker registry), each putting its own entry again and again.
 * - `countEntries` (v5) answers how many live entries a key has at a cost
 *   that does not grow with them (a batch asks once per finished job, in
 *   batches of tens of thousands): a count the store keeps as entries are put
 *   and removed, never a scan. No put, remove or count scans a key's entries
 *   either, except to drop entries that did expire.
 * - Fenced claims (v6: `acquireFenced`, `extendFenced`, `releaseFenced`,
 *   `fence`) are a limit-1 claim whose every new holder gets a larger token,
 *   and which can be committed once, by the latest token only, in the same
 *   atomic step that checks it. A fenced key lives `keepMs` after its last
 *   acquire or commit, so its tokens and its commit outlive its holders.
 * - A hold (`holdEntries`, v7) keeps every entry of a key live until it
 *   ends, whatever their own ttls, at a cost that does not grow with them:
 *   a batch holds its members while it runs, however long one waits. A put
 *   may keep a live entry of a given value (`unless`, v7): a member's
 *   success is never replaced by a later copy's failure.
 * - All methods may be called concurrently. `close` is idempotent; calls
 *   after it reject with `BackendClosedError`.
 *
 * `acquire` gives no fencing: a holder that stalls past its ttl (a long GC
 * pause, a lease shorter than the work) may still act after another process
 * took its place. Callers pick ttls longer than the work, and renew. Where a
 * stale holder's last write must be refused, use a fenced claim: the write
 * passes `fence` with its token, and a stalled holder's token is no longer the
 * latest once another took the key.
 */
export const COORDINATION_SPECIFICATION_VERSION = "v7" as const;

export interface CoordinationStore {
  /** Version of this contract the store implements; the core refuses others. */
  readonly specificationVersion: typeof COORDINATION_SPECIFICATION_VERSION;
  /** Shown in errors and logs. Nothing may branch on it. */
  readonly name: string;

  /**
   * Makes `holder` one of the holders of `key` unless `limit` live holders
   * already hold it; a holder that already holds `key` is renewed instead.
   * Resolves with whether `holder` now holds `key`, and the live holders
   * afterwards (in no particular order).
   */
  acquire(key: string, holder: string, options: AcquireOptions): Promise<AcquireResult>;

  /** Restarts `holder`'s ttl on `key`; false when it no longer holds it (released or expired). */
  extend(key: string, holder: string, ttlMs: number): Promise<boolean>;

  /** Drops `holder` from `key`; a no-op when it does not hold it. */
  release(key: string, holder: string, options?: TransactionOption): Promise<void>;

  /**
   * Raises the number stored under `key` to `value` when `value` is larger (or
   * stores it when there is none). Without `value`, only reads. Resolves with
   * the stored number afterwards, undefined when there is none.
   */
  advance(key: string, value?: number): Promise<number | undefined>;

  /**
   * One step of the rate limit on `key` (GCRA, the generic cell rate
   * algorithm): slots come `intervalMs` apart, and up to `burst` may be taken
   * at once by a bucket that was idle. The next free slot is taken when it
   * starts within `maxWaitMs` (admitted: the caller starts its work `waitMs`
   * from now, on the store's clock); otherwise nothing changes and `waitMs`
   * says when that slot starts. Slots taken by every process sharing the
   * store together start at most `n + burst − 1` times in any span shorter
   * than `n × intervalMs`.
   */
  takeRateSlot(key: string, options: RateSlotOptions): Promise<RateSlot>;

  /**
   * Sets `member`'s entry under `key` to `value` (replacing what it had), live
   * for `ttlMs` from now on the store's clock. Entries of one key are
   * independent: each expires on its own (unless held). With `unless` (v7), a
   * live entry whose value is `unless` is kept as it is, in the same atomic step.
   */
  putEntry(key: string, member: string, value: string, ttlMs: number, options?: PutEntryOptions): Promise<void>;

  /**
   * Holds `key` for `ttlMs` from now on the store's clock (v7): no entry of
   * it, put before or during the hold, expires until the hold ends; then each
   * expires by its own ttl again. A hold only ever lengthens (a shorter one
   * changes nothing), costs the same however many entries the key has, and
   * may be taken on a key with no entries yet.
   */
  holdEntries(key: string, ttlMs: number): Promise<void>;

  /** The live entries under `key`, in no particular order; expired ones are never returned. */
  listEntries(key: string): Promise<CoordinationEntry[]>;

  /** Drops `member`'s entry under `key`; a no-op when there is none. */
  removeEntry(key: string, member: string): Promise<void>;

  /** How many live entries `key` has (v5): kept count, not a scan (expired ones are never counted). */
  countEntries(key: string): Promise<number>;

  /**
   * Takes the fenced claim `key` for `holder` (v6) unless a live holder other
   * than `holder` holds it or it was committed. A holder that is not the
   * key's last holder gets the key's next token (1 for a new key); the last
   * holder taking it again (renewing, or after its ttl lapsed with nobody
   * between) keeps its token. Tokens of one key only grow while the key lives.
   */
  acquireFenced(key: string, holder: string, options: FencedClaimOptions): Promise<FencedClaim>;

  /** Restarts a live `holder`'s ttl on a fenced claim (v6); false when it no longer holds it (released, expired or taken). */
  extendFenced(key: string, holder: string, ttlMs: number): Promise<boolean>;

  /** Lets go of a fenced claim held by `holder` (v6), keeping its tokens and its commit; a no-op otherwise. */
  releaseFenced(key: string, holder: string): Promise<void>;

  /**
   * Whether `token` is still the latest token of the fenced claim `key` and
   * nothing was committed on it (v6), checked whether or not its holder is
   * still live: a holder whose ttl lapsed with nobody taking the key after it
   * still passes. With `commit`, a passing token commits the key in the same
   * atomic step: from then on every `fence` answers false and every
   * `acquireFenced` answers `committed`, until the key expires.
   */
  fence(key: string, token: number, options: FenceOptions): Promise<boolean>;

  /**
   * The store's clock (epoch ms), the one ttls are measured by. Schedulers
   * read ticks off it, so processes whose own clocks disagree still agree on
   * which ticks are due.
   */
  now(): Promise<number>;

  close(): Promise<void>;
}

export interface TransactionOption {
  /**
   * The caller's open database transaction (a `pg` client after BEGIN, a
   * PGlite transaction): the change appears at its commit and vanishes with
   * its rollback, and a concurrent `acquire` of the same key waits for it.
   * Only a store on that database can join it (PostgreSQL); the others
   * reject with a ConfigurationError rather than act outside it.
   */
  readonly transaction?: unknown;
}

export interface AcquireOptions extends TransactionOption {
  /** Most holders at once: 1 makes a mutex. */
  readonly limit: number;
  /** How long the place lasts without an `extend`. */
  readonly ttlMs: number;
}

export interface FencedClaimOptions {
  /** How long the holder keeps the claim without an `extendFenced`. */
  readonly ttlMs: number;
  /** How long the key (its last token, its commit) lives after this call: longer than every holder. */
  readonly keepMs: number;
}

export interface FencedClaim {
  /** Whether `holder` now holds the key. */
  readonly acquired: boolean;
  /** Acquired: the holder's token. */
  readonly token?: number;
  /** The key was committed (`fence` with `commit`): nobody acquires it again. */
  readonly committed: boolean;
}

export interface FenceOptions {
  /** Commit the key when the token passes. */
  readonly commit: boolean;
  /** How long the key lives after a commit. */
  readonly keepMs: number;
}

export interface RateSlotOptions {
  /** Time between two slots, in ms (may be fractional: 200 per second is 5). */
  readonly intervalMs: number;
  /** Slots an idle bucket gives at once (an integer ≥ 1); 1 spaces every taker by `intervalMs`. */
  readonly burst: number;
  /** Longest wait for which a slot is taken (reserved); 0 takes only a slot free now. */
  readonly maxWaitMs: number;
}

export interface RateSlot {
  /** Whether a slot was taken. */
  readonly admitted: boolean;
  /** Admitted: how long until the slot starts (0: now). Refused: how long until the next free slot starts. */
  readonly waitMs: number;
  /**
   * Admitted: when the slot starts, on the store's clock (epoch ms, fractional
   * where the store keeps finer time): the decision itself, so a test can count
   * what the store granted against the bound without timing anything.
   */
  readonly startsAtMs?: number;
}

export interface AcquireResult {
  readonly acquired: boolean;
  readonly holders: readonly string[];
}

export interface PutEntryOptions {
  /** Keeps a live entry whose value is this one (v7): e.g. a member's `succeeded`, which no later outcome replaces. */
  readonly unless?: string;
}

export interface CoordinationEntry {
  readonly member: string;
  readonly value: string;
}

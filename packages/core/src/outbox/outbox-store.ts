import type { OutgoingMessage } from "../backend/backend.js";

/**
 * The transactional outbox's seam: jobs staged in the application's own
 * database transaction, relayed to the queue after commit. One implementation
 * per database (PostgreSQL today), like the coordination and record stores.
 */
export interface OutboxStore {
  readonly name: string;
  /**
   * Writes `messages` inside `transaction`, the caller's open transaction on
   * the outbox's database: they become relayable at commit and vanish on
   * rollback. Messages sharing an ordering key leave the outbox in the order
   * their transactions committed.
   */
  stage(messages: readonly StagedOutgoing[], transaction: unknown): Promise<void>;
  /**
   * Resolves once this process holds the outbox's one relay lease (waiting
   * while another process holds it), or with undefined when `signal` aborts.
   */
  acquireRelay(signal: AbortSignal): Promise<OutboxRelaySession | undefined>;
  close(): Promise<void>;
}

/** An outgoing message as staged: its delay is a moment, so time spent in the outbox does not lengthen it. */
export interface StagedOutgoing extends Omit<OutgoingMessage, "delayMs"> {
  /** Epoch ms before which the job must not run; absent for "now". */
  readonly deliverAt?: number;
}

export interface StagedMessage {
  /** The outbox's own position; relay order. */
  readonly position: string;
  readonly message: StagedOutgoing;
}

/** Positions a take deletes first or leaves out (see `OutboxRelaySession.take`). */
export interface TakeRows {
  readonly remove?: readonly string[];
  readonly inFlight?: readonly string[];
}

/** What the holder of the relay lease may do; nobody else takes or removes rows. */
export interface OutboxRelaySession {
  /** Aborts when the lease is lost (the connection holding it dropped): stop relaying and acquire again. */
  readonly lost: AbortSignal;
  /**
   * Up to `limit` committed messages in relay order; waits up to `waitMs` (or until `signal` aborts) when there are none.
   * `rows.remove`: relayed messages to delete first, in the same round trip (deleted even when it waits);
   * `rows.inFlight`: messages being sent now, left out and left staged. Neither is returned.
   */
  take(limit: number, waitMs: number, signal: AbortSignal, rows?: TakeRows): Promise<StagedMessage[]>;
  /** Deletes relayed messages. */
  remove(positions: readonly string[]): Promise<void>;
  /** Gives the lease up. */
  release(): Promise<void>;
}

export function checkOutboxStore(store: unknown): OutboxStore {
  const candidate = store as Partial<OutboxStore> | null;
  if (typeof candidate !== "object" || candidate === null || typeof candidate.stage !== "function" || typeof candidate.acquireRelay !== "function" || typeof candidate.close !== "function") {
    throw new TypeError("outbox must be an outbox store (createPostgresOutbox({ connectionString })) or a postgres:// URL");
  }
  return candidate as OutboxStore;
}

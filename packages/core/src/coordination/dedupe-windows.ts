import type { BackendCapabilities } from "../backend/backend.js";
import type { Logger } from "../logger.js";
import type { CoordinationStore } from "./coordination-store.js";

/** Where one enqueue's dedupe key is reserved, and for how long (the backend's window). */
export interface DedupeReservation {
  readonly coordination: CoordinationStore;
  readonly key: string;
  readonly ttlMs: number;
}

/**
 * Dedupe keys on a backend whose dedupe lasts a window from the first send and
 * that can name the first job only to the process that sent it
 * (`capabilities.deduplicationWindowMs`, SQS FIFO). A duplicate sent from
 * another process would come back with its own id, a job that never runs; so
 * each key is reserved in the shared coordination store for the window (as a
 * unique job's key is), and a duplicate from any process answers with the
 * first job's id. Without a shared store the backend's answer stands, and this
 * says so once.
 */
export class DedupeWindows {
  #warned = false;

  /** `shared` is the coordination store when every process shares it, else undefined. */
  constructor(
    private readonly shared: () => CoordinationStore | undefined,
    private readonly logger: Logger,
  ) {}

  /** The reservation an enqueue with `dedupeKey` goes through, or undefined when the backend's own dedupe answers. */
  reservationFor(capabilities: BackendCapabilities, backendName: string, queue: string, dedupeKey: string | undefined): DedupeReservation | undefined {
    const windowMs = capabilities.deduplicationWindowMs;
    if (dedupeKey === undefined || windowMs === undefined) return undefined;
    const coordination = this.shared();
    if (coordination) return { coordination, key: `dedupe:${queue}:${dedupeKey}`, ttlMs: windowMs };
    if (!this.#warned) {
      this.#warned = true;
      this.logger.warn(
        `dedupe keys on ${backendName}: a duplicate sent from another process answers with its own id, a job that never runs; give createHopper({ coordination }) a store every process shares (createRedisCoordinationStore, createPostgresCoordinationStore) so it answers with the first job's id`,
        { queue },
      );
    }
    return undefined;
  }
}

import type { ReceivedMessage } from "../backend/backend.js";
import type { RunAbort } from "./job-run.js";
import type { InFlightJob } from "./message-handler.js";
import type { RunLog } from "./run-log.js";
import type { SlotLoans } from "./slot-loans.js";

/** What a started job reports back to its worker: its slot is free (perform is done), its outcome is settled. */
export interface JobSlots {
  readonly loans: SlotLoans;
  slotFreed(job: StartedJob): void;
  jobSettled(job: StartedJob): void;
}

/**
 * A message a worker has started, from its slot being taken until its outcome
 * is settled: the handler's `InFlightJob`, with the slot bookkeeping as methods
 * of one object rather than closures per job (a held job is one allocation,
 * not five: the job, two closures, their context and a settle promise chain).
 */
export class StartedJob implements InFlightJob {
  handedBack = false;
  log: RunLog | undefined = undefined;
  shutdownReason: unknown = undefined;
  stopRequested = false;
  run: RunAbort | undefined = undefined;
  lent = false;
  /** When the slot was taken (performance.now()), for the prefetch target's pace. */
  readonly startedAt: number;
  #slotHeld = true;
  readonly #slots: JobSlots;

  constructor(
    readonly message: ReceivedMessage,
    public leaseFrom: number | undefined,
    slots: JobSlots,
  ) {
    this.startedAt = performance.now();
    this.#slots = slots;
  }

  get slotLoans(): SlotLoans {
    return this.#slots.loans;
  }

  /** The slot frees as soon as perform is done, so the next job (or receive) goes while this job's ack travels. */
  performed(): void {
    if (!this.#slotHeld) return;
    this.#slotHeld = false;
    this.#slots.slotFreed(this);
  }

  /** The outcome is settled (acked, retried, handed back, or given up): frees the slot too if perform never ran. */
  settled(): void {
    this.performed();
    this.#slots.jobSettled(this);
  }
}

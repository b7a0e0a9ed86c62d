import type { ReceivedMessage } from "../backend/backend.js";
import type { RunAbort } from "./job-run.js";
import type { InFlightJob } from "./message-handler.js";
import type { RunLog } from "./run-log.js";
import type { SlotLoans } from "./slot-loans.js";

/** What a started job reports back to its worker: its slot is free (perform is done), its outcome is settled. */
export interface JobSlots {
  readonly loans: SlotLoans;
  /** Whether the worker last read `queue` as paused (its PauseWatch). */
  isPaused(queue: string): boolean;
  /** Set as the worker's shutdown begins: every job it holds is told at once (InFlightJob.stopRequested). */
  stopRequested: boolean;
  /** Set when the worker's shutdown runs out of time (InFlightJob.shutdownReason). */
  shutdownReason: unknown;
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
  log: RunLog | undefined = undefined;
  run: RunAbort | undefined = undefined;
  /** When the slot was taken (performance.now()), for the prefetch target's pace. */
  readonly startedAt: number;
  /** handedBack, lent and whether the slot is still held, as bits of one number. */
  #flags = slotHeld;
  readonly #slots: JobSlots;

  constructor(
    readonly message: ReceivedMessage,
    public leaseFrom: number | undefined,
    slots: JobSlots,
  ) {
    this.startedAt = performance.now();
    this.#slots = slots;
  }

  get handedBack(): boolean {
    return (this.#flags & handedBack) !== 0;
  }

  set handedBack(value: boolean) {
    this.#flags = value ? this.#flags | handedBack : this.#flags & ~handedBack;
  }

  get lent(): boolean {
    return (this.#flags & lent) !== 0;
  }

  set lent(value: boolean) {
    this.#flags = value ? this.#flags | lent : this.#flags & ~lent;
  }

  // The worker's, not the job's: a shutdown tells every job it holds the same thing.
  get stopRequested(): boolean {
    return this.#slots.stopRequested;
  }

  get shutdownReason(): unknown {
    return this.#slots.shutdownReason;
  }

  get slotLoans(): SlotLoans {
    return this.#slots.loans;
  }

  queuePaused(queue: string): boolean {
    return this.#slots.isPaused(queue);
  }

  /** The slot frees as soon as perform is done, so the next job (or receive) goes while this job's ack travels. */
  performed(): void {
    if ((this.#flags & slotHeld) === 0) return;
    this.#flags &= ~slotHeld;
    this.#slots.slotFreed(this);
  }

  /** The outcome is settled (acked, retried, handed back, or given up): frees the slot too if perform never ran. */
  settled(): void {
    this.performed();
    this.#slots.jobSettled(this);
  }
}

const slotHeld = 1;
const handedBack = 2;
const lent = 4;

/**
 * How many messages the worker's receive loops may ask for: its free slots,
 * plus room in the buffer up to the prefetch target. Idle slots are filled at
 * once; a buffer is refilled only once it is down to half its target, so
 * fetching ahead costs one receive per half a buffer of jobs, not one per job.
 * With a target of 0 a loop asks for exactly the free slots.
 */
export class ReceiveBudget {
  /** Jobs whose perform has not returned. */
  running = 0;
  /** Jobs whose perform has returned and whose ack (or retry) has not settled yet. */
  settling = 0;
  /** Messages asked for by receives still on their way. */
  private reserved = 0;
  private waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly buffered: () => number,
    private readonly target: () => number,
  ) {}

  /** Waits until a receive is worth making, then reserves room for up to `maxMessages`; 0 once `signal` aborts. */
  async reserve(maxMessages: number, signal: AbortSignal): Promise<number> {
    for (;;) {
      if (signal.aborted) return 0;
      const room = this.room();
      if (room > 0) {
        const count = Math.min(room, maxMessages);
        this.reserved += count;
        return count;
      }
      await this.nextChange(signal);
    }
  }

  /**
   * Whether another job may start: a free slot, and no more than `concurrency` jobs still
   * waiting for their acks (or retries) to land. The next job goes while an ack travels, but a
   * worker whose acks cannot land (the server down) stops running jobs it could not report: a
   * SIGKILL then costs at most twice `concurrency` runs, not every buffered job it ran meanwhile.
   */
  mayStart(): boolean {
    return this.running < this.concurrency && this.running + this.settling < 2 * this.concurrency;
  }

  /** A receive that reserved `count` returned (its messages are buffered by now). */
  unreserve(count: number): void {
    this.reserved -= count;
    this.changed();
  }

  /** Something the budget depends on changed (a job's perform returned, a buffered message was dropped). */
  changed(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const wake of waiting) wake();
  }

  private room(): number {
    const target = this.target();
    const coming = this.buffered() + this.reserved;
    const idleSlots = this.concurrency - this.running - coming;
    if (idleSlots <= 0 && coming > Math.floor(target / 2)) return 0;
    return this.concurrency + target - this.running - coming;
  }

  private nextChange(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        signal.removeEventListener("abort", wake);
        resolve();
      };
      this.waiting.push(wake);
      signal.addEventListener("abort", wake, { once: true });
    });
  }
}

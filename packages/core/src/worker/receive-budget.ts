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
  /** Reservations made so far (each is one receive pass). */
  reservations = 0;
  private waiting: (() => void)[] = [];
  /** Set once: the next receive may top the buffer up without waiting for it to fall to half its target. */
  private toppingUp = false;

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
        this.reservations += 1;
        this.toppingUp = false;
        return count;
      }
      await this.nextChange(signal);
    }
  }

  /** A receive that reserved `count` returned (its messages are buffered by now). */
  unreserve(count: number): void {
    this.reserved -= count;
    this.changed();
  }

  /**
   * No receive is on its way and there is room for one: the receive loop goes out once its microtasks
   * run (it may still be on its way to `reserve`, behind the running jobs' microtasks).
   */
  receiveDue(): boolean {
    return this.reserved === 0 && this.room() > 0;
  }

  /**
   * The target rose past what the last receive was sized for (its first bodies were smaller than the largest payload
   * assumed before): one receive may fill the buffer up to it, however full it is.
   */
  topUp(): void {
    this.toppingUp = true;
    this.changed();
  }

  /** Something the budget depends on changed (a job's perform returned, a buffered message was dropped). */
  changed(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const wake of waiting) wake();
  }

  /**
   * Messages held at once (running, settling, buffered, asked for) stay within `concurrency` plus
   * twice the prefetch target: one buffer's acks may travel while the next buffer is received, so
   * acks and receives still overlap. Settling ones count because a worker whose acks do not land
   * (the server down) must stop taking jobs it cannot report: a SIGKILL then runs again at most
   * that many finished jobs, not every job the worker received meanwhile.
   */
  private room(): number {
    const target = this.target();
    const coming = this.buffered() + this.reserved;
    const idleSlots = this.concurrency - this.running - coming;
    if (idleSlots <= 0 && coming > Math.floor(target / 2) && !this.toppingUp) return 0;
    const held = this.running + this.settling + coming;
    return Math.max(0, Math.min(this.concurrency + target - this.running - coming, this.concurrency + 2 * target - held));
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

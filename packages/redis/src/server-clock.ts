/**
 * This process's reckoning of one Redis server's wall clock, for judging which leases have lapsed.
 *
 * Lease deadlines are server time, so a step of the server's clock forward (an NTP step, a VM restored on its host)
 * past the lease would end every lease at once: the next receive of any worker takes running jobs back and runs
 * second copies beside them, and their holders' renewals are refused. Each script that judges lapses (receive,
 * extend-lease) is therefore sent the latest server time this process can vouch for: the server's time at its
 * answers plus this process's monotonic time since, plus a tolerance. The script judges by the earlier of that and
 * its own clock (common.lua, `lapse_time`), so a jump is never believed before it is seen.
 *
 * Each answer places the server's clock within a window: read after the call was sent and before its answer was
 * handled (an event loop that stalls on the answer widens it). An answer whose window starts more than the tolerance
 * past the reckoning is a jump: the reckoning keeps the frame it had for `holdMs` more (the longest lease this
 * process has asked for on the queue), long enough for every live holder to renew in the server's new time (each
 * renews at an eighth of its lease); then it takes the server's word. Meanwhile a lease whose holder is gone lapses by
 * the old frame, when it would have without the jump. An answer whose window ends more than the tolerance before the
 * reckoning is a step back, believed at once: it only makes leases last longer. A process with no answer yet sends
 * nothing and the server's clock decides (a worker that starts within a lease after a step is not protected).
 */
export class ServerClock {
  /** Server ms less monotonic ms: the server's time is `#offset + performance.now()`. */
  #offset: number | undefined;
  /** The frame of the latest answer that read as a jump, taken once `#heldUntil` passes. */
  #jumped: number | undefined;
  #heldUntil = 0;
  /** The longest lease asked for: how long a jump holds. */
  #holdMs = 0;

  constructor(private readonly toleranceMs = 250) {}

  /** The latest server time (ms) to judge lapses by, or "" to let the server's clock decide. */
  lapseBound(): number | "" {
    const now = performance.now();
    this.#endHold(now);
    return this.#offset === undefined ? "" : Math.ceil(this.#offset + now + this.toleranceMs);
  }

  /**
   * Takes note of the server's time `serverMs` in an answer handled just now, to a call sent at `sentAt`
   * (performance.now()) that asked for a lease of `leaseMs`.
   */
  observe(serverMs: number, sentAt: number, leaseMs: number): void {
    const now = performance.now();
    this.#holdMs = Math.max(this.#holdMs, leaseMs);
    this.#endHold(now);
    // The frames this answer allows: the server read its clock between the send and now.
    const earliest = serverMs - now;
    const latest = serverMs - sentAt;
    if (this.#offset === undefined) {
      this.#offset = earliest;
      return;
    }
    if (this.#jumped === undefined) {
      if (earliest > this.#offset + this.toleranceMs) {
        this.#jumped = earliest;
        this.#heldUntil = now + this.#holdMs;
      } else {
        this.#offset = this.#settled(this.#offset, earliest, latest);
      }
      return;
    }
    // Held: an answer that fits the frame kept means the clock came back; one past the jump's frame is a further jump,
    // held from its own time (leases renewed after the first are not yet renewed after it).
    if (earliest <= this.#offset + this.toleranceMs) {
      this.#offset = this.#settled(this.#offset, earliest, latest);
      this.#jumped = undefined;
    } else if (earliest > this.#jumped + this.toleranceMs) {
      this.#jumped = earliest;
      this.#heldUntil = now + this.#holdMs;
    } else {
      this.#jumped = this.#settled(this.#jumped, earliest, latest);
    }
  }

  /** A frame moved into the window an answer allows (the clocks' drift), or to its start after a step back. */
  #settled(frame: number, earliest: number, latest: number): number {
    if (latest < frame - this.toleranceMs) return earliest;
    return Math.min(Math.max(frame, earliest), latest);
  }

  #endHold(now: number): void {
    if (this.#jumped === undefined || now < this.#heldUntil) return;
    this.#offset = this.#jumped;
    this.#jumped = undefined;
  }
}

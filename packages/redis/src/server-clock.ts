/**
 * This process's reckoning of one Redis server's wall clock, for judging which leases have lapsed.
 *
 * Lease deadlines are server time, so a step of the server's clock forward (an NTP step, a VM restored on its host)
 * past the lease would end every lease at once: the next receive of any worker takes running jobs back and runs
 * second copies beside them, and their holders' renewals are refused. Each script that judges lapses (receive,
 * extend-lease) is therefore sent the latest server time this process can vouch for: the server's time at its last
 * answer plus this process's monotonic time since, plus a tolerance for that answer's trip. The script judges by the
 * earlier of that and its own clock (common.lua, `lapse_time`), so a jump is never believed before it is seen.
 *
 * An answer that reads more than the tolerance ahead of the reckoning is a jump: the reckoning keeps the frame it had
 * for `holdMs` (one lease) more, long enough for every live holder to renew its lease in the server's new time (each
 * renews at an eighth of its lease); then it takes the server's word. Meanwhile a lease whose holder is gone lapses by
 * the old frame, when it would have without the jump. A step back is believed at once: it only makes leases last
 * longer. A process with no answer yet sends nothing and the server's clock decides (a worker that starts within a
 * lease after a step is not protected).
 */
export class ServerClock {
  /** Server ms less monotonic ms: the server's time is `#offset + performance.now()`. */
  #offset: number | undefined;
  /** The offset of the latest answer that read as a jump, taken once `#heldUntil` passes. */
  #jumpedOffset: number | undefined;
  #heldUntil = 0;

  constructor(private readonly toleranceMs = 250) {}

  /** The latest server time (ms) to judge lapses by, or "" to let the server's clock decide. */
  lapseBound(): number | "" {
    const now = performance.now();
    this.#endHold(now);
    return this.#offset === undefined ? "" : Math.ceil(this.#offset + now + this.toleranceMs);
  }

  /** Takes note of the server's time `serverMs` in an answer that arrived just now; a jump holds the old frame for `holdMs`. */
  observe(serverMs: number, holdMs: number): void {
    const now = performance.now();
    this.#endHold(now);
    const offset = serverMs - now;
    if (this.#offset === undefined || offset <= this.#offset + this.toleranceMs) {
      this.#offset = offset;
      this.#jumpedOffset = undefined;
      this.#heldUntil = 0;
      return;
    }
    // A jump beyond one already seen holds from its own time: leases renewed after the first are not yet after the second.
    if (this.#jumpedOffset === undefined || offset > this.#jumpedOffset + this.toleranceMs) this.#heldUntil = now + holdMs;
    this.#jumpedOffset = offset;
  }

  #endHold(now: number): void {
    if (this.#jumpedOffset === undefined || now < this.#heldUntil) return;
    this.#offset = this.#jumpedOffset;
    this.#jumpedOffset = undefined;
  }
}

/**
 * The pace of one subscription's pulls in this process, kept across receive calls.
 *
 * Pub/Sub may answer an empty pull before its wait is up (the emulator always does, at once): unpaced, an idle
 * worker made some 350 pulls a second, a third of a core and 40-60 MiB of RSS for nothing. So an empty pull is
 * followed by a pause, doubling from the first to the longest while the pulls stay empty; a message published
 * meanwhile waits at most the longest pause. The first pause is short so that at a modest rate (a message every
 * few ms, often an empty pull between two) it adds little.
 *
 * The pause outlives the receive that made it, and each is drawn between half and all of its step. When every
 * receive started its pulls afresh, a worker that held a message back for the shortest ack deadline (1 s) began
 * its next receive (of the worker's 1 s poll wait) as that deadline ran out, pulled at once and got the message
 * back nearly every time: in a rolling deploy an old worker kept a too-new job from the new worker for minutes.
 * Kept and jittered, every idle worker pulls at about the same pace, in no step with its own holds.
 */
export const FIRST_EMPTY_PULL_PAUSE_MS = 2;
export const LONGEST_EMPTY_PULL_PAUSE_MS = 200;

export class PullPacer {
  private stepMs = 0;
  private nextPullAt = 0;

  /** `random`: a number in [0, 1), Math.random's contract. */
  constructor(private readonly random: () => number = Math.random) {}

  // Times are a monotonic clock's (performance.now()): a wall clock stepped back would hold every pull back as long.

  /** How long until the next pull is due (0: now). */
  msUntilNextPull(now: number): number {
    return Math.max(0, this.nextPullAt - now);
  }

  /** A pull came back empty: the next waits a pause of the next step. */
  pulledNothing(now: number): void {
    this.stepMs = Math.min(LONGEST_EMPTY_PULL_PAUSE_MS, this.stepMs === 0 ? FIRST_EMPTY_PULL_PAUSE_MS : this.stepMs * 2);
    this.nextPullAt = now + this.stepMs / 2 + this.random() * (this.stepMs / 2);
  }

  /** A pull brought messages: the next may go at once. */
  pulledMessages(): void {
    this.stepMs = 0;
    this.nextPullAt = 0;
  }
}

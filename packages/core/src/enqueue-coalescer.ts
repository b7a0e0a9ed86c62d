import type { Backend, EnqueueResult, OutgoingMessage } from "./backend/backend.js";
import { sendInBatches } from "./backend/send-in-batches.js";
import { isConnectionFailure, unansweredWithin, withinBound, type ReachBound } from "./backend-reach.js";

/**
 * How early a call's bound may be called due: calls made a few ms apart (each
 * awaited its own validation and middleware first) then fail at the same
 * tick, rather than the last being sent once the others' places free, with
 * next to nothing left of its bound.
 */
const BOUND_SLACK_MS = 5;

interface WaitingCall {
  readonly messages: readonly OutgoingMessage[];
  /** The enqueue bound of this call's Hopper; unbounded when absent. */
  readonly bound: ReachBound | undefined;
  /** When the call was made (Date.now()), the start of its bound. */
  readonly calledAt: number;
  readonly resolve: (results: EnqueueResult[]) => void;
  readonly reject: (error: unknown) => void;
  /** Set once the bound ran out and the call was rejected. */
  givenUp: boolean;
}

/** The calls of one send on the wire. */
interface Send {
  readonly calls: readonly WaitingCall[];
  /** Calls whose bound ran out while it was on the wire. */
  givenUp: number;
  /** Whether it stopped counting against the sends the lane keeps in flight. */
  freed: boolean;
  /** When the backend last answered a chunk of this send: its calls' bound counts from here, not from other sends' answers (one hung node must not be kept alive by another's). */
  lastAnswerAt: number;
}

/**
 * Natural batching of enqueues made outside a transaction, one lane per
 * backend: a call that finds the lane free is sent at once (no linger, no
 * timer); calls made while the lane is full wait and go together, in call
 * order, as one bulk send when a send returns. The lane holds
 * `capabilities.enqueueSendsInFlight` sends (default 1; Redis 2, so the next
 * batch is built and sent while the server runs the last one). Each call gets
 * its own results. A call as large as a batch goes on its own, as before.
 *
 * The enqueue bound (`connectTimeout`) is kept by the lane, with one timer for
 * all its calls rather than a timer and an AbortSignal per call: a call fails
 * with BackendUnavailableError once its bound passes with no answer from the
 * backend: a waiting call counts any answer to this lane (the sends ahead of
 * it are what it waits on), a call on the wire only its own send's answers
 * (another send's answers say nothing of its node); one still waiting is then
 * never sent.
 *
 * Never used inside a caller's transaction: those messages must commit or
 * roll back with it, so they cannot share a send with anyone else's.
 */
export class EnqueueCoalescer {
  readonly #backend: Backend;
  #waiting: WaitingCall[] = [];
  readonly #onTheWire = new Set<Send>();
  #sending = 0;
  /** Sends settled (or given up on) whose places free at the end of this event-loop turn. */
  #settling = 0;
  /** When this lane last heard from the backend (a send's chunk settled). */
  #lastAnswerAt = 0;
  #boundTimer: NodeJS.Timeout | undefined;
  #boundTimerAt = Infinity;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /**
   * Resolves with one result per message, in order; rejects with
   * BackendUnavailableError once `bound` passes with no answer.
   */
  send(messages: readonly OutgoingMessage[], bound?: ReachBound): Promise<EnqueueResult[]> {
    if (messages.length === 0) return Promise.resolve([]);
    if (messages.length >= this.#backend.capabilities.maxBatchSize) {
      return bound ? withinBound(bound, (progress) => sendInBatches(this.#backend, messages, {}, progress)) : sendInBatches(this.#backend, messages, {});
    }
    return new Promise((resolve, reject) => {
      const call: WaitingCall = { messages, bound, calledAt: bound ? Date.now() : 0, resolve, reject, givenUp: false };
      this.#waiting.push(call);
      if (bound) this.#watchBound(call.calledAt + bound.timeoutMs);
      this.#drain();
    });
  }

  /** Makes sure the bound timer fires by `deadline`, and keeps the process up while calls wait on it. */
  #watchBound(deadline: number): void {
    if (this.#boundTimer !== undefined && this.#boundTimerAt <= deadline) {
      this.#boundTimer.ref();
      return;
    }
    clearTimeout(this.#boundTimer);
    this.#boundTimerAt = deadline;
    this.#boundTimer = setTimeout(() => this.#checkBounds(), Math.max(0, deadline - Date.now()));
  }

  /** Rejects every call whose bound has passed (or passes within BOUND_SLACK_MS) since the later of its call and the lane's last answer. */
  #checkBounds(): void {
    this.#boundTimer = undefined;
    this.#boundTimerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    const due = (call: WaitingCall, lastAnswerAt: number): boolean => {
      if (!call.bound || call.givenUp) return false;
      const deadline = Math.max(call.calledAt, lastAnswerAt) + call.bound.timeoutMs;
      if (deadline > now + BOUND_SLACK_MS) next = Math.min(next, deadline);
      return deadline <= now + BOUND_SLACK_MS;
    };
    this.#waiting = this.#waiting.filter((call) => {
      if (!due(call, this.#lastAnswerAt)) return true;
      call.givenUp = true;
      call.reject(unansweredWithin(call.bound!));
      return false; // never sent
    });
    for (const send of this.#onTheWire) {
      for (const call of send.calls) {
        if (!due(call, send.lastAnswerAt)) continue;
        // Already on the wire: a late answer still lands, and is ignored.
        call.givenUp = true;
        call.reject(unansweredWithin(call.bound!));
        send.givenUp += 1;
      }
      // A send the backend never answers must not hold back every later enqueue.
      if (send.givenUp === send.calls.length) this.#free(send);
    }
    if (next !== Infinity) this.#watchBound(next);
  }

  /**
   * Sends everything waiting, as one batch, when a send may start. The lane
   * frees when the send settles, or sooner once every caller in it has given
   * up (the enqueue bound ran out).
   *
   * A send's place frees at the end of the event-loop turn that settled it,
   * not at once: the callers it just answered usually enqueue again in that
   * turn's microtasks, and freeing at once would send the first of them alone
   * and make the rest wait a round trip behind it. For the same reason they
   * wait for that place even when another is free (two in flight): taking it
   * would send the first of them alone beside the others, each send costing
   * both processes a write, a read and a wake-up.
   */
  #drain(): void {
    if (this.#waiting.length === 0 || this.#settling > 0 || this.#sending >= (this.#backend.capabilities.enqueueSendsInFlight ?? 1)) return;
    const send: Send = { calls: this.#waiting, givenUp: 0, freed: false, lastAnswerAt: 0 };
    this.#waiting = [];
    this.#sending += 1;
    this.#onTheWire.add(send);
    void this.#sendTogether(send);
  }

  /** A send's answer is in: it leaves the wire before its callers hear, so those enqueuing again at once find its place settling. */
  #settled(send: Send): void {
    this.#onTheWire.delete(send);
    this.#free(send);
    // Idle: the bound timer has nothing to watch, and must not keep the process up.
    if (this.#onTheWire.size === 0 && this.#waiting.length === 0) this.#boundTimer?.unref();
  }

  #free(send: Send): void {
    if (send.freed) return;
    send.freed = true;
    this.#settling += 1;
    setImmediate(() => {
      this.#settling -= 1;
      this.#sending -= 1;
      this.#drain();
    });
  }

  async #sendTogether(send: Send): Promise<void> {
    const calls = send.calls;
    const parts: EnqueueResult[][] = [];
    try {
      const answered = () => {
        this.#lastAnswerAt = send.lastAnswerAt = Date.now();
      };
      const results = await sendInBatches(this.#backend, calls.length === 1 ? calls[0]!.messages : calls.flatMap((call) => call.messages), {}, answered);
      if (calls.length === 1) parts.push(results);
      else {
        let offset = 0;
        for (const call of calls) {
          parts.push(results.slice(offset, offset + call.messages.length));
          offset += call.messages.length;
        }
      }
      // Most sends fail nothing: no await, and no map of errors, for those.
      if (calls.length > 1 && results.some((result) => result.status === "failed")) await this.#isolateSharedFailures(calls, parts, answered);
    } catch (error) {
      this.#settled(send);
      for (const call of calls) call.reject(error);
      return;
    }
    this.#settled(send);
    calls.forEach((call, index) => call.resolve(parts[index]!));
  }

  /**
   * A failure shared by several calls' messages (one error object: the
   * backend refused a whole batch) may come from one call's bad message, so
   * each of those calls is sent again alone and only the culprit fails. A
   * backend that cannot be reached fails them all as they are: it would
   * only fail again. Backends store a batch all or nothing, so the repeat
   * adds no copy.
   */
  async #isolateSharedFailures(calls: readonly WaitingCall[], parts: EnqueueResult[][], answered: () => void): Promise<void> {
    const callsByError = new Map<Error, Set<number>>();
    parts.forEach((part, callIndex) => {
      for (const result of part) {
        if (result.status !== "failed" || isConnectionFailure(result.error)) continue;
        const holders = callsByError.get(result.error) ?? new Set<number>();
        callsByError.set(result.error, holders.add(callIndex));
      }
    });
    const shared = new Set([...callsByError.values()].filter((holders) => holders.size > 1).flatMap((holders) => [...holders]));
    await Promise.all(
      [...shared].map(async (callIndex) => {
        const part = parts[callIndex]!;
        const again = part.flatMap((result, index) => (result.status === "failed" && !isConnectionFailure(result.error) ? [index] : []));
        const retried = await sendInBatches(this.#backend, again.map((index) => calls[callIndex]!.messages[index]!), {}, answered);
        again.forEach((index, retriedIndex) => (part[index] = retried[retriedIndex]!));
      }),
    );
  }
}

const lanes = new WeakMap<Backend, EnqueueCoalescer>();

/** The one lane of `backend` in this process, shared by every Hopper using that backend object. */
export function coalescerFor(backend: Backend): EnqueueCoalescer {
  let lane = lanes.get(backend);
  if (!lane) lanes.set(backend, (lane = new EnqueueCoalescer(backend)));
  return lane;
}

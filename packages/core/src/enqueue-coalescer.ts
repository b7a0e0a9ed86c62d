import type { Backend, EnqueueResult, OutgoingMessage } from "./backend/backend.js";
import { sendInBatches } from "./backend/send-in-batches.js";
import { isConnectionFailure } from "./backend-reach.js";

interface WaitingCall {
  readonly messages: readonly OutgoingMessage[];
  readonly progress: (() => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (results: EnqueueResult[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Natural batching of enqueues made outside a transaction, one lane per
 * backend: a call that finds nothing on the wire is sent at once (no linger,
 * no timer); calls made while a send is on the wire wait and go together, in
 * call order, as one bulk send when it returns. Each call gets its own
 * results. A call as large as a batch goes on its own, as before.
 *
 * Never used inside a caller's transaction: those messages must commit or
 * roll back with it, so they cannot share a send with anyone else's.
 */
export class EnqueueCoalescer {
  readonly #backend: Backend;
  #waiting: WaitingCall[] = [];
  #sending = 0;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /**
   * Resolves with one result per message, in order. `progress` is called as
   * the backend answers, the sends ahead of this one included (the enqueue
   * bound counts from it). A call withdrawn by `signal` before its turn is
   * never sent and rejects with the signal's reason.
   */
  send(messages: readonly OutgoingMessage[], progress?: () => void, signal?: AbortSignal): Promise<EnqueueResult[]> {
    if (messages.length === 0) return Promise.resolve([]);
    if (messages.length >= this.#backend.capabilities.maxBatchSize) return sendInBatches(this.#backend, messages, {}, progress);
    return new Promise((resolve, reject) => {
      const call: WaitingCall = { messages, progress, signal, resolve, reject };
      this.#waiting.push(call);
      signal?.addEventListener("abort", () => this.#withdraw(call, signal.reason), { once: true });
      this.#drain();
    });
  }

  #withdraw(call: WaitingCall, reason: unknown): void {
    const index = this.#waiting.indexOf(call);
    if (index === -1) return; // already on the wire: its answer will be ignored by the caller
    this.#waiting.splice(index, 1);
    call.reject(reason);
  }

  /**
   * Sends everything waiting, as one batch, when a send may start. The lane
   * frees when the send settles, or sooner once every caller in it has given
   * up (the enqueue bound ran out): a send the backend never answers must not
   * hold back every later enqueue.
   *
   * It frees at the end of the event-loop turn that settled the send, not at
   * once: the callers it just answered usually enqueue again in that turn's
   * microtasks, and freeing at once would send the first of them alone and
   * make the rest wait a round trip behind it (10 looping callers then
   * split into two batches of 5 per round, twice the sends).
   */
  #drain(): void {
    if (this.#waiting.length === 0 || this.#sending >= maxSendsInFlight) return;
    const calls = this.#waiting;
    this.#waiting = [];
    this.#sending += 1;
    let freed = false;
    const free = () => {
      if (freed) return;
      freed = true;
      setImmediate(() => {
        this.#sending -= 1;
        this.#drain();
      });
    };
    const signals = calls.map((call) => call.signal);
    if (signals.every((signal) => signal !== undefined)) {
      let givenUp = 0;
      const onAbort = () => {
        givenUp += 1;
        if (givenUp === signals.length) free();
      };
      for (const signal of signals) {
        if (signal!.aborted) onAbort();
        else signal!.addEventListener("abort", onAbort, { once: true });
      }
    }
    void this.#sendTogether(calls).finally(free);
  }

  async #sendTogether(calls: readonly WaitingCall[]): Promise<void> {
    try {
      const progress = () => {
        for (const call of calls) call.progress?.();
        for (const call of this.#waiting) call.progress?.();
      };
      const results = await sendInBatches(this.#backend, calls.flatMap((call) => call.messages), {}, progress);
      const parts: EnqueueResult[][] = [];
      let offset = 0;
      for (const call of calls) {
        parts.push(results.slice(offset, offset + call.messages.length));
        offset += call.messages.length;
      }
      if (calls.length > 1) await this.#isolateSharedFailures(calls, parts);
      calls.forEach((call, index) => call.resolve(parts[index]!));
    } catch (error) {
      for (const call of calls) call.reject(error);
    }
  }

  /**
   * A failure shared by several calls' messages (one error object: the
   * backend refused a whole batch) may come from one call's bad message, so
   * each of those calls is sent again alone and only the culprit fails. A
   * backend that cannot be reached fails them all as they are: it would
   * only fail again. Backends store a batch all or nothing, so the repeat
   * adds no copy.
   */
  async #isolateSharedFailures(calls: readonly WaitingCall[], parts: EnqueueResult[][]): Promise<void> {
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
        const retried = await sendInBatches(this.#backend, again.map((index) => calls[callIndex]!.messages[index]!), {}, calls[callIndex]!.progress);
        again.forEach((index, retriedIndex) => (part[index] = retried[retriedIndex]!));
      }),
    );
  }
}

/**
 * One send on the wire per lane: measured (3,000 single enqueues, 10 in
 * flight) it cut PostgreSQL's server CPU per job about fourfold; with 2 or 4
 * sends in flight, batches were smaller and the saving about halved.
 */
const maxSendsInFlight = 1;

const lanes = new WeakMap<Backend, EnqueueCoalescer>();

/** The one lane of `backend` in this process, shared by every Hopper using that backend object. */
export function coalescerFor(backend: Backend): EnqueueCoalescer {
  let lane = lanes.get(backend);
  if (!lane) lanes.set(backend, (lane = new EnqueueCoalescer(backend)));
  return lane;
}

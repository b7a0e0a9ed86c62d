import type { Backend, EnqueueResult, OutgoingMessage } from "@hopper/core/backend";

/**
 * When each job reached the target: the moment the target answered the send that carried it
 * (`Backend.enqueue` resolved with the job not failed), on this process's monotonic clock. The
 * relay's sends go through the same Backend object, so a wrapped backend sees exactly what the
 * relay forwarded, with no polling of the target.
 */
export class SendLog {
  readonly #arrivals = new Map<string, number>();
  #sends = 0;
  #inFlight = 0;
  #waiters: { ids: readonly string[]; resolve: () => void }[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** `backend` with its `enqueue` recorded here; every other member is the backend's own. */
  wrap(backend: Backend): Backend {
    const log = this;
    return new Proxy(backend, {
      get(target, property) {
        if (property === "enqueue") {
          return async (messages: readonly OutgoingMessage[]): Promise<EnqueueResult[]> => {
            log.#inFlight += 1;
            try {
              const results = await target.enqueue(messages);
              log.record(results);
              return results;
            } finally {
              log.#inFlight -= 1;
            }
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** One send answered: stamps every job it did not fail (a re-send keeps the first stamp). */
  record(results: readonly EnqueueResult[]): void {
    this.#sends += 1;
    const at = this.now();
    for (const result of results) if (result.status !== "failed" && !this.#arrivals.has(result.id)) this.#arrivals.set(result.id, at);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.ids.every((id) => this.#arrivals.has(id))) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Whether a send is waiting for the target's answer now. */
  get sending(): boolean {
    return this.#inFlight > 0;
  }

  /** Sends answered so far (calls of `enqueue`, each one batch). */
  get sends(): number {
    return this.#sends;
  }

  arrivalOf(id: string): number | undefined {
    return this.#arrivals.get(id);
  }

  /** Resolves once every id arrived; rejects after `timeoutMs` naming how many are missing. */
  waitFor(ids: readonly string[], timeoutMs: number): Promise<void> {
    if (ids.every((id) => this.#arrivals.has(id))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        ids,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((entry) => entry !== waiter);
        const missing = ids.filter((id) => !this.#arrivals.has(id)).length;
        reject(new Error(`${missing} of ${ids.length} jobs did not reach the target within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }
}

/** The limit every process of one rate-limit run declares on its job class. */
export interface RateLimitDeclaration {
  readonly limit: number;
  readonly per: string;
  readonly burst: number;
  /** 0: one bucket for the job; K ≥ 1: one bucket per `args.key`, jobs spread over K keys. */
  readonly keys: number;
}

/** Parent → a rate-limit child. A filler fills `queue` and, on "close", drains what is left unlimited; a worker runs it between "start" and "stop". */
export type RateLimitRequest =
  | { readonly type: "fill"; readonly url: string; readonly queue: string; readonly jobs: number; readonly declaration: RateLimitDeclaration }
  | { readonly type: "work"; readonly url: string; readonly queue: string; readonly concurrency: number; readonly declaration: RateLimitDeclaration }
  | { readonly type: "start" }
  | { readonly type: "stop" }
  | { readonly type: "close" };

/** One event of a bucket: a slot the store granted (`at` on the store's clock) or a perform start (`at` on this machine's clock). */
export interface KeyedTime {
  readonly key: string;
  readonly at: number;
}

export type RateLimitMessage =
  | { readonly type: "filled"; readonly ms: number }
  | { readonly type: "ready" }
  | { readonly type: "consuming"; readonly at: number }
  | {
      readonly type: "stopped";
      /** Slots the store granted to this worker (one per admitted takeRateSlot). */
      readonly slots: readonly KeyedTime[];
      readonly starts: readonly KeyedTime[];
      /** Coordination-store calls of this worker between start and stop, by method; `takeRateSlot:refused` counts the refusals among them. */
      readonly storeCalls: Readonly<Record<string, number>>;
      /** User + system CPU of this process between start and stop, µs. */
      readonly cpuUs: number;
    }
  | { readonly type: "closed"; readonly leftover: number }
  | { readonly type: "failed"; readonly error: string };

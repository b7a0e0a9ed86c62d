import type { Backend, ReceivedMessage } from "../backend/backend.js";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import type { JobRegistry } from "../job-registry.js";
import type { Logger } from "../logger.js";
import type { Middleware } from "../middleware.js";
import type { RecordWriter } from "../records/record-writer.js";
import type { BatchBook } from "../batches/batches.js";
import type { FlowControl } from "../flow-control/flow-control.js";
import { MessageHandler, type InFlightJob } from "./message-handler.js";
import { exitForHungJob, runEveryBeforeExit, takePartInExits } from "./hung-job-exit.js";
import type { HungRun } from "./run-deadline.js";

/** One message handed over by a platform that pushes work (an HTTP POST, a Lambda event record). */
export interface PushedMessage {
  readonly queue: string;
  /** The message body: an encoded envelope. */
  readonly body: string;
  /** The platform's message id; used when the body is not an envelope. */
  readonly id: string;
  /** 1 on the first delivery, as the platform counts it. */
  readonly deliveryAttempt: number | undefined;
  /** Keeps the platform's lease alive while the job runs, when the platform allows it. */
  readonly extendLease?: (leaseMs: number) => Promise<boolean | void>;
  readonly signal?: AbortSignal;
  /** Lease the heartbeat renews. Default 30 s. */
  readonly leaseMs?: number;
  /**
   * A push handler's `exitOnHungJob`: once a job ignores its timeout this long, the process logs it and exits with
   * HUNG_JOB_EXIT_CODE (70), so its platform replaces it. Held, the job's slot among `maxConcurrent` was never freed.
   */
  readonly hungJobExitMs?: number;
}

/**
 * What became of a pushed message. `done`: the platform may delete it (the job
 * succeeded, was discarded, dead-lettered or re-enqueued for later).
 * `retry`: the platform should deliver it again, after `retryAfterMs` if it can.
 * `unsettled`: the outcome could not be recorded (backend down); deliver it again.
 */
export type PushOutcome =
  | { readonly status: "done" }
  | { readonly status: "retry"; readonly retryAfterMs: number }
  | { readonly status: "unsettled" };

export interface RunMessageDependencies {
  readonly backend: Backend;
  readonly registry: JobRegistry;
  readonly middleware: readonly Middleware[];
  readonly logger: Logger;
  readonly coordination: CoordinationStore;
  /** Include job args in logs (HopperOptions.logArgs). */
  readonly logArgs?: boolean;
  /** As in WorkerOptions; defaults match the worker's (1 min, 1 h). */
  readonly newerVersionRetryMs?: number;
  readonly newerVersionMaxHoldMs?: number;
  /** Writes job records; absent when records are off. */
  readonly records?: RecordWriter;
  /** Rate limits and holds: a held job is re-delayed as a copy and its delivery answered `done`. */
  readonly flowControl?: FlowControl;
  /** Batch bookkeeping before a batch's job is acked. */
  readonly batches?: BatchBook;
}

const defaultLeaseMs = 30_000;

/**
 * Runs one pushed message through the same MessageHandler the worker uses.
 * The platform owns delivery, so ack and nack only record the answer to give it;
 * dead letters and re-delays still go through `backend`.
 */
export async function runMessage(dependencies: RunMessageDependencies, pushed: PushedMessage): Promise<PushOutcome> {
  let outcome: PushOutcome = { status: "unsettled" };
  const message: ReceivedMessage = {
    id: pushed.id,
    body: pushed.body,
    deliveryAttempt: pushed.deliveryAttempt,
    // No backend call carries this ack, so a record sent with it (the backend writes its own) is written here.
    ack: async (options) => {
      if (options?.record) await dependencies.records?.settle(options.record);
      outcome = { status: "done" };
    },
    nack: async (options) => {
      outcome = { status: "retry", retryAfterMs: options?.retryAfterMs ?? 0 };
    },
    // A platform that cannot say the lease is gone counts as still holding it.
    extendLease: async (leaseMs) => (await pushed.extendLease?.(leaseMs)) !== false,
  };
  const handler = new MessageHandler({
    ...dependencies,
    backend: sendingUntilAbandoned(dependencies.backend, pushed.signal),
    leaseMs: pushed.leaseMs ?? defaultLeaseMs,
    // Only a platform that can renew holds a lease: without one, a run stalled past `leaseMs` must not be given up.
    renewsLeases: pushed.extendLease !== undefined,
    ...(pushed.hungJobExitMs !== undefined && { hungJobBound: { afterMs: pushed.hungJobExitMs, onHung: (run: HungRun, reported: Promise<void>) => exitOnce(run, dependencies, reported) } }),
    newerVersionRetryMs: dependencies.newerVersionRetryMs ?? 60_000,
    newerVersionMaxHoldMs: dependencies.newerVersionMaxHoldMs ?? 3_600_000,
  });
  // Any hung job's exit in this process, this Hopper's or another's, ends this run too.
  const leaveExits = takePartInExits(dependencies);
  try {
    await new Promise<void>((settled) => {
      const job: InFlightJob = { message, ...(pushed.signal && { signal: pushed.signal }), handedBack: false, settled };
      handler.handle(job, pushed.queue);
    });
  } finally {
    leaveExits();
  }
  return outcome;
}

/**
 * The backend a pushed run settles through. Once the platform abandoned the request (its deadline passed, the client
 * went away) it delivers the message again itself: a copy sent from here (a retry, a hold, a continuation, a dead
 * letter) would make a second lineage of the job. So sends are refused from then on, and the outcome is `unsettled`.
 */
function sendingUntilAbandoned(backend: Backend, signal: AbortSignal | undefined): Backend {
  if (signal === undefined) return backend;
  return new Proxy(backend, {
    get(target, property) {
      const value = Reflect.get(target, property) as unknown;
      if (property === "enqueue") {
        return (messages: unknown, options: unknown) =>
          signal.aborted ? Promise.reject(new Error("the push request was abandoned by the platform (its deadline passed or the client went away): nothing is sent from it, and the platform delivers the message again")) : (value as (...args: unknown[]) => unknown).call(target, messages, options);
      }
      // The backend's own methods keep their `this` (class fields are not reachable through a proxy).
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

let exiting: Promise<void> | undefined;

/** One exit per process, whichever pushed run hangs first; requests in flight die with it and are delivered again. */
function exitOnce(run: HungRun, { logger, middleware }: RunMessageDependencies, reported: Promise<void>): void {
  exiting ??= exitForHungJob(run, { logger, stop: async () => {}, shutdownTimeoutMs: 0, reported, beforeExit: () => runEveryBeforeExit({ middleware, logger }) });
}

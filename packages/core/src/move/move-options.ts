import type { Backend } from "../backend/backend.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import type { MoveProgress } from "./move-report.js";

/** What a job may carry that a target may not hold; named in `drop`, it is left out instead of refused. */
export type DroppableField = "priority" | "orderingKey" | "dedupeKey";

export interface MoveJobsOptions {
  /** Where the jobs are (the Hopper's `await hopper.backend`, or an adapter's backend). */
  readonly from: Backend;
  /** Where they go. */
  readonly to: Backend;
  /** The queues to drain (backends cannot list their queues); the same names on the target. */
  readonly queues: readonly string[];
  /** Stops the move after the batch in hand (its jobs are moved or handed back, never lost). */
  readonly signal?: AbortSignal;
  /** Called after each batch with the counts so far. */
  readonly onProgress?: (progress: MoveProgress) => void;
  /** Jobs leased per batch (at most the source's `maxReceiveBatch`). Default 500. */
  readonly batchSize?: number;
  /** How long the source leases a batch (renewed every third of it while the batch moves, where the source extends leases; otherwise the batch must move within it). Default 60 s (at least the source's `minLeaseMs`). */
  readonly leaseMs?: number;
  /** How long a receive waits before a queue counts as drained of due jobs. Default 1 s. */
  readonly idleWaitMs?: number;
  /** Fields the target cannot hold that may be left out (counted in the report) rather than stop the move. Default none. */
  readonly drop?: readonly DroppableField[];
  /** When the source cannot take delayed jobs before they are due: move the due ones and leave those (in the report). Default false: refuse. */
  readonly leaveDelayed?: boolean;
}

const droppable: readonly DroppableField[] = ["priority", "orderingKey", "dedupeKey"];

export function checkMoveOptions(options: MoveJobsOptions): { batchSize: number; leaseMs: number; idleWaitMs: number; drop: ReadonlySet<DroppableField>; leaveDelayed: boolean } {
  if (typeof options !== "object" || options === null) throw new ConfigurationError({ field: "options", message: "moveJobs takes { from, to, queues }" });
  for (const field of ["from", "to"] as const) {
    const backend = options[field] as Partial<Backend> | undefined;
    if (typeof backend?.receive !== "function" || typeof backend.enqueue !== "function") throw new ConfigurationError({ field, message: `must be a Backend (e.g. await hopper.backend), got ${typeof backend}` });
  }
  if (options.from === options.to) throw new ConfigurationError({ field: "to", message: "is the same backend as from: moving a queue onto itself would loop forever" });
  if (!Array.isArray(options.queues) || options.queues.length === 0) throw new ConfigurationError({ field: "queues", message: "name one or more queues to move (backends cannot list their queues)" });
  const whole = (field: string, value: number | undefined, fallback: number, min: number, max: number) => {
    const number = value ?? fallback;
    if (!Number.isSafeInteger(number) || number < min || number > max) throw new ConfigurationError({ field, message: `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}` });
    return number;
  };
  const maxLeaseMs = options.from.capabilities.leaseExtension ? options.from.capabilities.leaseExtension.maxLeaseMs : 12 * 3_600_000;
  const drop = new Set(options.drop ?? []);
  for (const field of drop) if (!droppable.includes(field)) throw new ConfigurationError({ field: "drop", message: `takes ${droppable.join(", ")}; got ${JSON.stringify(field)}` });
  return {
    batchSize: whole("batchSize", options.batchSize, 500, 1, 10_000),
    leaseMs: Math.max(options.from.capabilities.minLeaseMs, whole("leaseMs", options.leaseMs, 60_000, 1, maxLeaseMs)),
    idleWaitMs: whole("idleWaitMs", options.idleWaitMs, 1000, 0, 60_000),
    drop,
    leaveDelayed: options.leaveDelayed === true,
  };
}

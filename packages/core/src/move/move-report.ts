import type { QueueStats } from "../backend/backend.js";
import type { DroppableField } from "./move-options.js";

/** Counts of one queue, or of the whole move. */
export interface MoveTally {
  /** Accepted by the target as new jobs, and acked on the source. */
  moved: number;
  /** Of `moved`: jobs not due yet (the target got the delay left). */
  delayedMoved: number;
  /** The target answered it already holds the job (a dedupe key); acked on the source. */
  duplicates: number;
  /** Refused by the target: handed back to the source. */
  failed: number;
  /** Enqueued on the target, but the source's ack failed: still on the source, so a later move sends them again. */
  ackFailures: number;
  /** Jobs moved without a field the target cannot hold (`drop`). */
  dropped: Record<DroppableField, number>;
}

export interface MoveQueueReport extends MoveTally {
  readonly queue: string;
  /** The source's counts once this queue was done (when it keeps stats): in flight = leased by workers still running. */
  readonly leftOnSource?: QueueStats;
  /** The target's first refusal; the move stopped there. */
  readonly error?: Error;
}

export interface MoveReport extends MoveTally {
  readonly queues: readonly MoveQueueReport[];
  /** The signal stopped the move before every queue was drained. */
  readonly stopped: boolean;
  /** The source took delayed jobs too (`takeScheduled`); false: they stayed (see `leftOnSource`). */
  readonly tookScheduled: boolean;
}

export interface MoveProgress {
  readonly queue: string;
  readonly queueTally: MoveTally;
  readonly total: MoveTally;
}

export function emptyTally(): MoveTally {
  return { moved: 0, delayedMoved: 0, duplicates: 0, failed: 0, ackFailures: 0, dropped: { priority: 0, orderingKey: 0, dedupeKey: 0 } };
}

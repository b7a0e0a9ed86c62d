import { ConfigurationError } from "../errors/configuration-error.js";
import type { Logger } from "../logger.js";
import { isHeldState, type RecordEvent, type RecordStore } from "./record-store.js";

/** Lifecycle changes, noun-verb as the house names events. */
export type JobEventName = "job-enqueue" | "job-start" | "job-progress" | "job-hang" | "job-hold" | "job-retry" | "job-succeed" | "job-fail" | "job-dead-letter" | "job-cancel";

export interface JobEvent {
  readonly name: JobEventName;
  readonly id: string;
  readonly job: string;
  readonly queue: string;
  /** The state the change wrote (`running` for progress; `held:<reason>` for a hold, as the record store keeps it). */
  readonly state: string;
  readonly attempt: number;
  /** The value given to `ctx.progress`, on `job-progress` only. */
  readonly progress?: unknown;
}

/**
 * `hopper.events`: every lifecycle change written by any process sharing the
 * record store, as BullMQ's QueueEvents. Delivery is at most once (a listener
 * that is not connected misses changes); for what a job ended as, read its
 * record (`hopper.jobs.get`/`wait`).
 */
export interface JobEvents {
  /** Calls `listener` for each `name` event (or every event, with "*"); resolves once listening, with a function that stops this listener. */
  on(name: JobEventName | "*", listener: (event: JobEvent) => void): Promise<() => Promise<void>>;
}

const names: Readonly<Record<string, JobEventName>> = {
  waiting: "job-enqueue",
  running: "job-start",
  retrying: "job-retry",
  succeeded: "job-succeed",
  failed: "job-fail",
  dead: "job-dead-letter",
  cancelled: "job-cancel",
};
const knownNames = new Set<string>([...Object.values(names), "job-progress", "job-hang", "job-hold", "*"]);

/** One store subscription per Hopper, opened by the first listener and closed with the Hopper or the last listener. */
export function createJobEvents(store: () => Promise<RecordStore>, logger: Logger): JobEvents & { close(): Promise<void> } {
  const listeners = new Set<{ name: string; listener: (event: JobEvent) => void }>();
  let subscription: Promise<() => Promise<void>> | undefined;
  const dispatch = (change: RecordEvent) => {
    // job-hang: the running attempt passed its timeout and ignores its signal (its record's error says so).
    const name = change.progress !== undefined ? "job-progress" : change.hung === true ? "job-hang" : isHeldState(change.state) ? "job-hold" : names[change.state];
    if (!name) return; // a state this version does not know
    const event: JobEvent = { name, id: change.id, job: change.job, queue: change.queue, state: change.state, attempt: change.attempt, ...(change.progress !== undefined && { progress: parseProgress(change.progress) }) };
    for (const entry of listeners) {
      if (entry.name !== "*" && entry.name !== name) continue;
      try {
        entry.listener(event);
      } catch (error) {
        logger.error("a hopper.events listener threw; the other listeners still run", { event: name, jobId: change.id, error });
      }
    }
  };
  const subscribe = (): Promise<() => Promise<void>> => {
    subscription ??= (async () => {
      const opened = await store();
      if (!opened.subscribe) throw new ConfigurationError({ field: "records.store", message: `the ${opened.name} record store cannot deliver events: use a memory, Redis or PostgreSQL record store for hopper.events` });
      return opened.subscribe(dispatch);
    })().catch((error: unknown) => {
      subscription = undefined;
      throw error;
    });
    return subscription;
  };
  const stopAll = async () => {
    const stopping = subscription;
    subscription = undefined;
    const stop = await stopping?.catch(() => undefined);
    await stop?.();
  };
  return {
    async on(name, listener) {
      if (!knownNames.has(name)) throw new ConfigurationError({ field: "name", message: `${JSON.stringify(name)} is not a job event: use one of ${[...knownNames].join(", ")}` });
      if (typeof listener !== "function") throw new ConfigurationError({ field: "listener", message: "must be a function (event) => void" });
      const entry = { name, listener };
      await subscribe();
      listeners.add(entry);
      return async () => {
        listeners.delete(entry);
        if (listeners.size === 0) await stopAll();
      };
    },
    close: stopAll,
  };
}

function parseProgress(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

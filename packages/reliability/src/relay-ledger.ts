import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Backend, EnqueueResult, OutgoingMessage } from "@hopper/core/backend";

/**
 * The relay ledger: each relay process appends `start <pid> <ms>` before its
 * first send of a pass and `end <pid> <ms> <messages>` once no send is left in
 * flight, to `<directory>/<pid>.log`. Times are epoch ms from
 * `performance.timeOrigin + performance.now()`: every process of the run shares
 * this machine's clock, so intervals of different processes compare.
 */
export function ledgerNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The relay's target, recording: chunks go one at a time, each after
 * `chunkDelayMs` (a slow network), at most 10 messages a chunk, so a pass of
 * the relay is many sends long and a fault lands inside one.
 */
export function recordingTarget(backend: Backend, directory: string, chunkDelayMs: number): Backend {
  const file = join(directory, `${process.pid}.log`);
  let inFlight = 0;
  let messages = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = (chunk: readonly OutgoingMessage[], options?: Parameters<Backend["enqueue"]>[1]): Promise<EnqueueResult[]> => {
    // Written synchronously before the send is even queued: the line is on disk before any byte leaves.
    if (inFlight++ === 0) appendFileSync(file, `start ${process.pid} ${ledgerNow()}\n`);
    const sent = queue.then(async () => {
      if (chunkDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, chunkDelayMs));
      return backend.enqueue(chunk, options);
    });
    queue = sent.catch(() => {});
    return sent.finally(() => {
      messages += chunk.length;
      if (--inFlight === 0) {
        appendFileSync(file, `end ${process.pid} ${ledgerNow()} ${messages}\n`);
        messages = 0;
      }
    });
  };
  return Object.assign(Object.create(backend) as Backend, { capabilities: { ...backend.capabilities, maxBatchSize: Math.min(10, backend.capabilities.maxBatchSize) }, enqueue });
}

/** One stretch of forwarding by one process; `end` is undefined while it lasts (or when the process died in it). */
export interface ForwardingInterval {
  readonly pid: number;
  readonly start: number;
  end: number | undefined;
  messages: number;
}

/** Every interval of every process in `directory`, by start time. */
export function readLedger(directory: string): ForwardingInterval[] {
  const intervals: ForwardingInterval[] = [];
  for (const name of readdirSync(directory)) {
    let open: ForwardingInterval | undefined;
    for (const line of readFileSync(join(directory, name), "utf8").split("\n")) {
      const [kind, pid, at, count] = line.split(" ");
      if (kind === "start") {
        open = { pid: Number(pid), start: Number(at), end: undefined, messages: 0 };
        intervals.push(open);
      } else if (kind === "end" && open) {
        open.end = Number(at);
        open.messages = Number(count);
        open = undefined;
      }
    }
  }
  return intervals.sort((a, b) => a.start - b.start);
}

/**
 * Pairs of intervals of different processes that overlap. An interval left
 * open (its process died in it) ends when its process was seen to exit
 * (`exitedAt`), or never.
 */
export function overlappingIntervals(intervals: readonly ForwardingInterval[], exitedAt: ReadonlyMap<number, number>): [ForwardingInterval, ForwardingInterval][] {
  const endOf = (interval: ForwardingInterval) => interval.end ?? exitedAt.get(interval.pid) ?? Infinity;
  const overlaps: [ForwardingInterval, ForwardingInterval][] = [];
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j]!.start < endOf(sorted[i]!); j++) {
      if (sorted[j]!.pid !== sorted[i]!.pid) overlaps.push([sorted[i]!, sorted[j]!]);
    }
  }
  return overlaps;
}

/** The first interval that a process other than `pid` started after `at`, if any. */
export function firstForwardingAfter(intervals: readonly ForwardingInterval[], at: number, pid: number): ForwardingInterval | undefined {
  return intervals.find((interval) => interval.start >= at && interval.pid !== pid);
}

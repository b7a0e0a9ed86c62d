import { closeSync, openSync, readSync, statSync } from "node:fs";

/** One ledger line (see reliability-job.ts), with the file (one worker process) that wrote it. */
export interface LedgerEvent {
  readonly event: "s" | "e" | "f" | "x" | "o" | "early" | "stopped" | "a" | "af";
  readonly jobId: string;
  readonly n: number;
  readonly kind: string;
  readonly attempt: number;
  readonly at: number;
  readonly file: string;
}

/** Follows ledger files as workers append to them. */
export class LedgerWatch {
  /** Completions (`e` lines) per job id. */
  readonly completions = new Map<string, number>();
  /** Job ids with at least one failed run (`f` line). */
  readonly failed = new Set<string>();
  /** Every line read, in each file's order. */
  readonly events: LedgerEvent[] = [];
  /** When the latest new completion was seen. */
  lastCompletionAt = Date.now();
  /** Longest time without any new completion, as seen by `poll`. */
  longestStallMs = 0;
  private readonly files = new Map<string, { offset: number; rest: string }>();

  /** `keepEvents` false keeps counts only (the load scenario's hundreds of thousands of lines). */
  constructor(private readonly keepEvents = true) {}

  add(file: string): void {
    this.files.set(file, { offset: 0, rest: "" });
  }

  /** Job ids completed at least once. */
  get completed(): number {
    return this.completions.size;
  }

  /** Completions beyond the first of each job. */
  get duplicates(): number {
    let extra = 0;
    for (const count of this.completions.values()) extra += count - 1;
    return extra;
  }

  /** Reads what was appended since the last call; returns the number of new completions. */
  poll(): number {
    let added = 0;
    for (const [file, state] of this.files) {
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        continue; // not written yet
      }
      if (size <= state.offset) continue;
      const buffer = Buffer.alloc(size - state.offset);
      const descriptor = openSync(file, "r");
      try {
        readSync(descriptor, buffer, 0, buffer.length, state.offset);
      } finally {
        closeSync(descriptor);
      }
      state.offset = size;
      const lines = (state.rest + buffer.toString("utf8")).split("\n");
      state.rest = lines.pop()!;
      for (const line of lines) {
        const event = parseLine(line, file);
        if (!event) continue;
        if (this.keepEvents) this.events.push(event);
        if (event.event === "f") this.failed.add(event.jobId);
        if (event.event !== "e") continue;
        this.completions.set(event.jobId, (this.completions.get(event.jobId) ?? 0) + 1);
        added += 1;
      }
    }
    const now = Date.now();
    if (added > 0) this.lastCompletionAt = now;
    this.longestStallMs = Math.max(this.longestStallMs, now - this.lastCompletionAt);
    return added;
  }
}

function parseLine(line: string, file: string): LedgerEvent | undefined {
  const stopped = /^stopped (\d+)$/.exec(line);
  if (stopped) return { event: "stopped", jobId: "", n: -1, kind: "", attempt: 0, at: Number(stopped[1]), file };
  // Written by the worker (ack-ledger.ts), not the job: an ack that resolved (a) or rejected (af).
  const ack = /^(a|af) (\S+) (\d+)$/.exec(line);
  if (ack) return { event: ack[1] as "a" | "af", jobId: ack[2]!, n: -1, kind: "", attempt: 0, at: Number(ack[3]), file };
  const match = /^(s|e|f|x|o|early) (\S+) (\d+) (\w+) (\d+) (\d+)$/.exec(line);
  if (!match) return undefined;
  return { event: match[1] as LedgerEvent["event"], jobId: match[2]!, n: Number(match[3]), kind: match[4]!, attempt: Number(match[5]), at: Number(match[6]), file };
}

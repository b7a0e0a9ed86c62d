import { closeSync, openSync, readSync, statSync } from "node:fs";

/** Follows ledger files as workers append to them; counts completions per job number. */
export class LedgerWatch {
  readonly runs = new Map<number, number>();
  lines = 0;
  /** When the latest new completion was seen. */
  lastCompletionAt = Date.now();
  /** Longest time without any new completion, as seen by `poll`. */
  longestStallMs = 0;
  private readonly files = new Map<string, { offset: number; rest: string }>();

  add(file: string): void {
    this.files.set(file, { offset: 0, rest: "" });
  }

  get completed(): number {
    return this.runs.size;
  }

  get duplicates(): number {
    return this.lines - this.runs.size;
  }

  /** Reads what was appended since the last call; returns the number of new lines. */
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
        const match = /^(\d+) \S+ \d+$/.exec(line);
        if (!match) continue;
        const n = Number(match[1]);
        this.runs.set(n, (this.runs.get(n) ?? 0) + 1);
        this.lines += 1;
        added += 1;
      }
    }
    const now = Date.now();
    if (added > 0) this.lastCompletionAt = now;
    this.longestStallMs = Math.max(this.longestStallMs, now - this.lastCompletionAt);
    return added;
  }

  missing(total: number): number[] {
    const missing: number[] = [];
    for (let n = 0; n < total; n++) if (!this.runs.has(n)) missing.push(n);
    return missing;
  }
}

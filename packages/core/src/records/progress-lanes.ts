interface Lane {
  /** The value still to write once the write in flight returns; undefined when none came meanwhile. */
  next: string | undefined;
  /** Settles once the lane is empty: the last value given has been written (or its write failed and was logged). */
  drained: Promise<void>;
}

/**
 * Progress writes of running jobs: at most one write in flight per job, the
 * latest value replaces one still waiting, and `drained` lets the outcome wait
 * for the last one (a store only keeps progress on a running record). A job
 * reporting every row of a loop costs two writes, not one per row.
 */
export class ProgressLanes {
  readonly #lanes = new Map<string, Lane>();

  /** `write` never rejects (the writer logs its failures). */
  constructor(private readonly write: (jobId: string, text: string) => Promise<unknown>) {}

  /** Resolves once `text`, or a later value of the same job, is written. */
  push(jobId: string, text: string): Promise<void> {
    const lane = this.#lanes.get(jobId);
    if (lane) {
      lane.next = text;
      return lane.drained;
    }
    const created: Lane = { next: text, drained: Promise.resolve() };
    // The first write starts at once; the lane is in the map before it can return.
    created.drained = this.#drain(jobId, created);
    this.#lanes.set(jobId, created);
    return created.drained;
  }

  /**
   * Resolves once the job has no progress write in flight or waiting; undefined when it has none now, so
   * the outcome of a job that reported no progress (most) waits on no promise of its own. (#20)
   */
  drained(jobId: string): Promise<void> | undefined {
    return this.#lanes.get(jobId)?.drained;
  }

  async #drain(jobId: string, lane: Lane): Promise<void> {
    try {
      for (let text = lane.next; text !== undefined; text = lane.next) {
        lane.next = undefined;
        await this.write(jobId, text);
      }
    } finally {
      this.#lanes.delete(jobId);
    }
  }
}

/**
 * Which of a run's jobs have started, by the number the run gave each (`BenchJob.seq`): at-least-once delivery
 * may start a job twice, and a run that counted starts would report a job it never ran as started (a job run
 * twice covers for one left behind). The second and later starts are counted apart, for the report. Used by the
 * latency steps, the counted drains (`consumeCount`: drain, payload, the single-enqueue clean-up) and the delayed jobs.
 */
export class FirstStarts {
  readonly #started: Uint8Array;
  #repeats = 0;

  constructor(jobs: number) {
    this.#started = new Uint8Array(jobs);
  }

  /** True the first time job `seq` starts; false (and counted as a repeat) after. A job without a number counts as new. */
  first(seq: number | undefined): boolean {
    return this.start(seq) !== "repeat";
  }

  /** What a start of job `seq` is: its first, a repeat (counted), or a start with no number of this run, which cannot be told apart. */
  start(seq: number | undefined): "first" | "repeat" | "unnumbered" {
    if (seq === undefined || !Number.isInteger(seq) || !(seq >= 0 && seq < this.#started.length)) return "unnumbered";
    if (this.#started[seq] === 1) {
      this.#repeats += 1;
      return "repeat";
    }
    this.#started[seq] = 1;
    return "first";
  }

  /** Starts of a job that had started before. */
  get repeats(): number {
    return this.#repeats;
  }
}

/** How a note says that `repeats` starts were redeliveries ("1 start was …", "7 starts were …"). */
export function repeatedStartsPhrase(repeats: number): string {
  return `${repeats} ${repeats === 1 ? "start was" : "starts were"} of a job that had started before (counted once)`;
}

/** The note a run with repeated starts leaves in the report, or undefined when every start was a first. */
export function repeatedStartsNote(label: string, repeats: number): string | undefined {
  return repeats > 0 ? `${label}: ${repeatedStartsPhrase(repeats)}` : undefined;
}
